using Mesh.Cli;

return MeshCtl.Run(args, Console.In, Console.Out, Console.Error);

// meshctl's public surface is its command line: ASP.NET Core's source generator would make Program public.
internal sealed partial class Program;
