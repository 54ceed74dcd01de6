using System;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Threading;
using ChatServer.Chat.Redis;
using StackExchange.Redis;

namespace WebSocketProtocol.Tests.Samples.RedisDelivery;

/// <summary>
/// Faults injected into the chat's Redis calls: armed with one call path (a script, or a kind of command) and an exception
/// type, the next calls on that path throw that exception, so many times, instead of reaching Redis; every other call
/// goes through to the real connection. <see cref="Wrap{T}"/> puts it around the connection's database and subscriber.
/// </summary>
internal sealed class RedisFaults
{
    private readonly Lock _gate = new();
    private RedisCallPath? _path;
    private Func<Exception>? _fault;
    private int _remaining;

    /// <summary>How many calls threw an injected fault.</summary>
    public int Hits { get; private set; }

    /// <summary>The next <paramref name="times"/> calls on <paramref name="path"/> throw a new <paramref name="exceptionType"/> (made from a message).</summary>
    public void Arm(RedisCallPath path, Type exceptionType, int times)
    {
        lock (_gate)
        {
            _path = path;
            _fault = () => (Exception)Activator.CreateInstance(exceptionType, "injected into " + path)!;
            _remaining = times;
        }
    }

    /// <summary>A <typeparamref name="T"/> that passes every call to <paramref name="target"/> unless a fault is due.</summary>
    public T Wrap<T>(T target)
        where T : class
    {
        T proxy = DispatchProxy.Create<T, FaultyCalls<T>>();
        var calls = (FaultyCalls<T>)(object)proxy;
        calls.Target = target;
        calls.Faults = this;
        return proxy;
    }

    /// <summary>The path of a call, if it is one the chat makes.</summary>
    private static RedisCallPath? PathOf(MethodInfo method, object?[]? args) => method.Name switch
    {
        "ScriptEvaluateAsync" when args is [string script, ..] => script switch
        {
            _ when script == RedisChatScripts.Join => RedisCallPath.JoinScript,
            _ when script == RedisChatScripts.Leave => RedisCallPath.LeaveScript,
            _ when script == RedisChatScripts.Renew => RedisCallPath.RenewScript,
            _ when script == RedisChatScripts.Reap => RedisCallPath.ReapScript,
            _ when script == RedisChatScripts.MarkOccupied => RedisCallPath.MarkOccupiedScript,
            _ when script == RedisChatScripts.MarkEmptied => RedisCallPath.MarkEmptiedScript,
            _ when script == RedisMessageScripts.Post => RedisCallPath.PostScript,
            _ => null,
        },
        "StreamRangeAsync" => RedisCallPath.LogRead,
        "StringGetAsync" => RedisCallPath.PositionRead,
        "SubscribeAsync" => RedisCallPath.Subscribe,
        _ => null,
    };

    private Exception? Due(MethodInfo method, object?[]? args)
    {
        RedisCallPath? path = PathOf(method, args);
        lock (_gate)
        {
            if (path is null || path != _path || _remaining == 0)
            {
                return null;
            }

            _remaining--;
            Hits++;
            return _fault!();
        }
    }

    /// <summary>The proxy's calls (public and not sealed, as <see cref="DispatchProxy"/> needs).</summary>
#pragma warning disable CA1852 // DispatchProxy derives from it at run time.
    public class FaultyCalls<T> : DispatchProxy
#pragma warning restore CA1852
        where T : class
    {
        public T Target { get; set; } = null!;

        public RedisFaults Faults { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (Faults.Due(targetMethod!, args) is { } fault)
            {
                throw fault;
            }

            try
            {
                return targetMethod!.Invoke(Target, args);
            }
            catch (TargetInvocationException exception) when (exception.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(exception.InnerException);
                throw;
            }
        }
    }
}
