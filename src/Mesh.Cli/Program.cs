using Mesh.Cli;

return MeshCtl.Run(args, Console.In, Console.Out, Console.Error);
