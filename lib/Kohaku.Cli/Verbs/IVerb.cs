using System.CommandLine;

namespace Kohaku.Cli.Verbs;

// Each verb is one file in Verbs/ with a type implementing this; Program collects them by
// reflection so stages add verbs without touching a shared list.
internal interface IVerb
{
    static abstract Command Build();
}
