using System;
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.IO;

namespace WebSocketProtocol.Samples;

/// <summary>Reads a value of an option's text; false when the text is not one.</summary>
internal delegate bool OptionValueParser<T>(string text, out T value);

/// <summary>
/// The one way the samples and the benchmark tools read their command lines (linked into each): System.CommandLine
/// parses, <c>--help</c> prints the help it generates from the options' descriptions to standard output and exits 0,
/// and a bad command line prints what is wrong and the help to standard error and exits 2.
/// </summary>
internal static class CommandLineParsing
{
    /// <summary>The exit code for a command line that cannot be run.</summary>
    public const int BadUsage = 2;

    /// <summary>
    /// Parses <paramref name="args"/> against <paramref name="command"/>: the result when the program should run, else
    /// <see langword="null"/> with <paramref name="exitCode"/> set, the help or the errors having been printed.
    /// <paramref name="check"/> looks at the whole command line once every value has been read (options that need each
    /// other, say): a message it returns is an error too.
    /// </summary>
    public static ParseResult? Parse(Command command, string[] args, out int exitCode, Func<ParseResult, string?>? check = null) =>
        Parse(command, args, Console.Out, Console.Error, out exitCode, check);

    /// <summary>As <see cref="Parse(Command, string[], out int, Func{ParseResult, string?}?)"/>, printing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public static ParseResult? Parse(Command command, string[] args, TextWriter output, TextWriter error, out int exitCode, Func<ParseResult, string?>? check = null)
    {
        // Without a terminal (a pipe, a log, a test) the help is not wrapped to a window: keep its lines readable.
        foreach (Option option in command.Options)
        {
            if (option is HelpOption { Action: HelpAction help } && Console.IsOutputRedirected)
            {
                help.MaxWidth = 120;
            }
        }

        ParseResult result = command.Parse(args);
        // Help (and --version) win over anything else on the line; the commands here have no actions of their own.
        if (result.Action is HelpAction || (result.Errors.Count == 0 && result.Action is not null))
        {
            exitCode = result.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return null;
        }

        if (result.Errors.Count > 0)
        {
            // System.CommandLine prints each error and then the help of the command that failed, both to standard error
            // here; its own exit code for a parse error is 1, which these programs keep for a run that failed.
            result.Invoke(new InvocationConfiguration { Output = error, Error = error });
            exitCode = BadUsage;
            return null;
        }

        if (check?.Invoke(result) is string message)
        {
            error.WriteLine(message);
            error.WriteLine();
            command.Parse([.. CommandPath(result.CommandResult), "--help"]).Invoke(new InvocationConfiguration { Output = error, Error = error });
            exitCode = BadUsage;
            return null;
        }

        exitCode = 0;
        return result;
    }

    /// <summary>The subcommands' names from the root down to <paramref name="command"/> (empty for the root itself).</summary>
    private static string[] CommandPath(CommandResult command) =>
        command.Parent is CommandResult parent ? [.. CommandPath(parent), command.Command.Name] : [];

    /// <summary>
    /// An option that takes one value read by <paramref name="parse"/>, given once or again (the last one counts, as a
    /// script that adds its own after the defaults expects); a text it refuses is an error that names the option and
    /// says what it <paramref name="takes"/>.
    /// </summary>
    public static Option<T> Option<T>(string name, string valueName, string description, string takes, OptionValueParser<T> parse, Func<T>? defaultValue = null)
    {
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = valueName,
            Arity = ArgumentArity.OneOrMore,
            CustomParser = result =>
            {
                string text = result.Tokens[^1].Value;
                if (parse(text, out T value))
                {
                    return value;
                }

                result.AddError($"{name} takes {takes}; '{text}' is not.");
                return default!;
            },
        };
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue();
        }

        return option;
    }

    /// <summary>An option that may be given many times, each value read by <paramref name="parse"/>, in order.</summary>
    public static Option<T[]> RepeatedOption<T>(string name, string valueName, string description, string takes, OptionValueParser<T> parse) =>
        new(name)
        {
            Description = description,
            HelpName = valueName,
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [],
            CustomParser = result =>
            {
                var values = new T[result.Tokens.Count];
                for (int i = 0; i < values.Length; i++)
                {
                    string text = result.Tokens[i].Value;
                    if (!parse(text, out values[i]))
                    {
                        result.AddError($"{name} takes {takes}; '{text}' is not.");
                        return [];
                    }
                }

                return values;
            },
        };

    /// <summary>The parser of an option whose value is any text (a name, a file).</summary>
    public static bool AnyText(string text, out string value)
    {
        value = text;
        return true;
    }

    /// <summary>An option that takes no value: present or not.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };
}
