using Bookinfo;

// Lives as long as the process: ProcessExit may still cancel it after Main has returned.
var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

return await BookinfoProgram.RunAsync(args, Console.Out, Console.Error, stop.Token);
