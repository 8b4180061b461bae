using Bookinfo;

BookinfoOptions options;
try
{
    options = BookinfoOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await using var app = await BookinfoApp.StartAsync(options);
foreach (var instance in app.Instances)
{
    Console.WriteLine($"{instance.InstanceId,-24} http://127.0.0.1:{instance.Port}");
}

Console.WriteLine();
Console.WriteLine($"Bookinfo is up: {app.ProductPageUrl}productpage");
Console.WriteLine(options.Registry == "consul"
    ? "Registry: Consul. Each instance registered itself; apply config with: meshctl apply -f samples/Bookinfo/networking/destination-rule-all.yaml"
    : options.ConfigDirectory is null
        ? "No mesh config: reviews round robins over v1, v2 and v3. Start with --config-dir DIR to route."
        : $"Mesh config: *.yaml in {Path.GetFullPath(options.ConfigDirectory)} (reloaded on change).");
Console.WriteLine("Press Ctrl+C to stop.");

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();

// Each host's console lifetime takes SIGTERM (kill, docker stop) and only asks its host to stop:
// stop them all then, as Ctrl+C does.
foreach (var instance in app.Instances)
{
    instance.App.Lifetime.ApplicationStopping.Register(() => stop.TrySetResult());
}

await stop.Task;
return 0;
