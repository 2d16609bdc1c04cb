// Starts the ASP.NET Core host's types (Microsoft.AspNetCore.App must resolve) and says which runtime ran it.
var builder = WebApplication.CreateBuilder(args);
Console.WriteLine($"started on {Environment.Version}");
