namespace Kohaku.Notebooks.Tests;

internal static class TestPaths
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KohakuNotebooks.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("KohakuNotebooks.sln not found above the test folder");
        }
    }


    // A Polyglot .ipynb with the given markdown ("md:" prefix) and C# cells.
    public static string WriteNotebook(string dir, string name, params string[] cells)
    {
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["cells"] = new System.Text.Json.Nodes.JsonArray(cells.Select((c, i) => (System.Text.Json.Nodes.JsonNode)(c.StartsWith("md:", StringComparison.Ordinal)
                ? new System.Text.Json.Nodes.JsonObject { ["cell_type"] = "markdown", ["id"] = $"c{i}", ["metadata"] = new System.Text.Json.Nodes.JsonObject(), ["source"] = c[3..] }
                : new System.Text.Json.Nodes.JsonObject
                {
                    ["cell_type"] = "code", ["id"] = $"c{i}", ["execution_count"] = null, ["outputs"] = new System.Text.Json.Nodes.JsonArray(), ["source"] = c,
                    ["metadata"] = System.Text.Json.Nodes.JsonNode.Parse("""{"dotnet_interactive":{"language":"csharp"},"polyglot_notebook":{"kernelName":"csharp"}}"""),
                })).ToArray()),
            ["metadata"] = System.Text.Json.Nodes.JsonNode.Parse("""{"kernelspec":{"display_name":".NET (C#)","language":"C#","name":".net-csharp"},"language_info":{"name":"csharp"},"polyglot_notebook":{"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}}"""),
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
