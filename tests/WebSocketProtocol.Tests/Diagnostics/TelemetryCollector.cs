using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using System.Linq;
using WebSocketProtocol.Tests.Support;

namespace WebSocketProtocol.Tests.Diagnostics;

/// <summary>
/// Everything the library publishes while it lives: measurements of the "WebSocketProtocol" meter (MeterListener),
/// its activities (ActivityListener, every one recorded) and its log (EventListener, verbose). The listeners are
/// process-wide, so the tests using it run in <see cref="RunsAloneCollection"/>, alone.
/// </summary>
internal sealed class TelemetryCollector : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private readonly LogListener _log = new();

    public TelemetryCollector()
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "WebSocketProtocol")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "WebSocketProtocol",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => Activities.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(_activities);
    }

    public ConcurrentQueue<Measurement> Measurements { get; } = new();

    public ConcurrentQueue<Activity> Activities { get; } = new();

    public ConcurrentQueue<EventWrittenEventArgs> Events => _log.Events;

    /// <summary>The measurements of <paramref name="instrument"/>.</summary>
    public Measurement[] Of(string instrument) => Measurements.Where(m => m.Instrument == instrument).ToArray();

    /// <summary>The sum of <paramref name="instrument"/>'s measurements whose tags include all of <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Key, object? Value)[] tags) =>
        Of(instrument).Where(m => m.Has(tags)).Sum(m => m.Value);

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
        _log.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        Measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, tags.ToArray()));

    /// <summary>One measurement: instrument, unit, value and tags.</summary>
    internal sealed record Measurement(string Instrument, string? Unit, double Value, KeyValuePair<string, object?>[] Tags)
    {
        public object? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key).Value;

        public bool Has(params (string Key, object? Value)[] tags) => tags.All(t => Equals(Tag(t.Key), t.Value));

        public override string ToString() => $"{Instrument} {Value} {string.Join(", ", Tags.Select(t => $"{t.Key}={t.Value}"))}";
    }

    private sealed class LogListener : EventListener
    {
        public ConcurrentQueue<EventWrittenEventArgs> Events { get; } = new();

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "WebSocketProtocol")
            {
                EnableEvents(eventSource, EventLevel.Verbose);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventSource.Name == "WebSocketProtocol")
            {
                Events.Enqueue(eventData);
            }
        }
    }
}
