using Archeio.Hosting;

return await ArcheioHost.RunAsync(args);
