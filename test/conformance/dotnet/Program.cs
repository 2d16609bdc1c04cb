// The judges: each command reads a JSON request on stdin and writes a JSON answer on stdout.
//   connstr   ["…", …]                       → SqlConnectionStringBuilder's reading of each
//   keywords  (nothing)                      → every keyword SqlConnectionStringBuilder knows
//   open      ["…", …]                       → what SqlConnection.Open() says at once (2 s connect timeout)
//   config    [["a.json", "b.json"], …]       → the configuration keys and values each file set gives
//   cert      [{"path", "password"}, …]       → X509CertificateLoader and the X509Certificate2 constructor
//   smtp      {"host","port","option","caFile","user","password"} → MailKit's SmtpClient outcome
//   serve     --pfx F --port P (password in IDM_CONFORMANCE_PFX_PASSWORD) → Kestrel, HTTPS, /hc
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Configuration;

var command = args.Length > 0 ? args[0] : "";
try
{
    switch (command)
    {
        case "connstr": Write(ConnStr(Read<string[]>())); break;
        case "keywords": Write(new SqlConnectionStringBuilder().Keys.Cast<string>().ToArray()); break;
        case "open": Write(await OpenSql(Read<string[]>())); break;
        case "config": Write(Config(Read<string[][]>())); break;
        case "cert": Write(Cert(Read<CertRequest[]>())); break;
        case "smtp": Write(await Task.WhenAll(Read<SmtpRequest[]>().Select(Smtp.Run))); break;
        case "serve": await Serve(args); break;
        default:
            Console.Error.WriteLine("usage: Conformance connstr|config|cert|smtp|serve");
            return 2;
    }
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"{e.GetType().Name}: {e.Message}");
    return 1;
}

static T Read<T>() => JsonSerializer.Deserialize<T>(Console.In.ReadToEnd(), Json.Options)!;
static void Write(object o) => Console.Out.Write(JsonSerializer.Serialize(o, Json.Options));

static object[] ConnStr(string[] strings) => strings.Select(s =>
{
    try
    {
        // What the product does with the string: a SqlConnection, which validates it in full.
        using (var connection = new SqlConnection(s)) { }
        var b = new SqlConnectionStringBuilder(s);
        // The keys idm-preflight reads, as SqlClient sees them (defaults where not given).
        return (object)new Dictionary<string, object?>
        {
            ["ok"] = true,
            ["dataSource"] = b.DataSource,
            ["initialCatalog"] = b.InitialCatalog,
            ["userId"] = b.UserID,
            ["password"] = b.Password,
            ["integratedSecurity"] = b.IntegratedSecurity,
            ["encrypt"] = b.Encrypt.ToString(),
            ["trustServerCertificate"] = b.TrustServerCertificate,
            ["hostNameInCertificate"] = b.HostNameInCertificate,
            ["connectTimeout"] = b.ConnectTimeout,
            ["applicationName"] = b.ApplicationName,
            ["authentication"] = b.Authentication.ToString(),
            ["keys"] = b.Keys.Cast<string>().Where(k => b.ShouldSerialize(k)).ToArray(),
        };
    }
    catch (Exception e)
    {
        return new Dictionary<string, object?> { ["ok"] = false, ["error"] = $"{e.GetType().Name}: {e.Message}" };
    }
}).ToArray();

// Whether SqlClient refuses to even try: Open() with a 2 s connect timeout, the error it gives.
static async Task<object[]> OpenSql(string[] strings)
{
    var answers = new List<object>();
    foreach (var s in strings)
    {
        var started = DateTime.UtcNow;
        try
        {
            await using var c = new SqlConnection(s + ";Connect Timeout=2;Pooling=false");
            await c.OpenAsync();
            answers.Add(new Dictionary<string, object?> { ["ok"] = true });
        }
        catch (Exception e)
        {
            answers.Add(new Dictionary<string, object?>
            {
                ["ok"] = false,
                ["error"] = $"{e.GetType().Name}: {e.Message}",
                ["ms"] = (int)(DateTime.UtcNow - started).TotalMilliseconds,
            });
        }
    }
    return answers.ToArray();
}

static object[] Config(string[][] sets) => sets.Select(files =>
{
    try
    {
        var builder = new ConfigurationBuilder();
        foreach (var f in files) builder.AddJsonFile(Path.GetFullPath(f), optional: false, reloadOnChange: false);
        var root = builder.Build();
        // Every key the product can read, null for an empty object or array and for null.
        var values = root.AsEnumerable().Where(kv => kv.Value != null || !root.GetSection(kv.Key).GetChildren().Any())
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        return (object)new Dictionary<string, object?> { ["ok"] = true, ["values"] = values };
    }
    catch (Exception e)
    {
        var inner = e.InnerException != null ? $" ({e.InnerException.GetType().Name}: {e.InnerException.Message})" : "";
        return new Dictionary<string, object?> { ["ok"] = false, ["error"] = $"{e.GetType().Name}: {e.Message}{inner}" };
    }
}).ToArray();

static object[] Cert(CertRequest[] requests) => requests.Select(r => (object)new Dictionary<string, object?>
{
    ["loader"] = Open(() => X509CertificateLoader.LoadPkcs12FromFile(r.Path, r.Password, X509KeyStorageFlags.EphemeralKeySet)),
    ["constructor"] = Open(() => new X509Certificate2(r.Path, r.Password, X509KeyStorageFlags.EphemeralKeySet)),
}).ToArray();

static Dictionary<string, object?> Open(Func<X509Certificate2> open)
{
    try
    {
        using var c = open();
        using var rsa = c.GetRSAPublicKey();
        return new Dictionary<string, object?>
        {
            ["ok"] = true,
            ["thumbprint"] = c.Thumbprint,
            ["subject"] = c.Subject,
            ["hasPrivateKey"] = c.HasPrivateKey,
            ["keyAlgorithm"] = c.GetKeyAlgorithm(),
            ["rsaBits"] = rsa?.KeySize,
            ["privateKeyUsable"] = c.HasPrivateKey ? PrivateKeyUsable(c) : null,
        };
    }
    catch (Exception e)
    {
        return new Dictionary<string, object?> { ["ok"] = false, ["error"] = $"{e.GetType().Name}: {e.Message}" };
    }
}

// What the product does with an EncryptionCertificate: encrypt with the public key, decrypt with the private.
static bool PrivateKeyUsable(X509Certificate2 c)
{
    try
    {
        using var pub = c.GetRSAPublicKey();
        using var priv = c.GetRSAPrivateKey();
        if (pub == null || priv == null) return false;
        var data = RandomNumberGenerator.GetBytes(32);
        var enc = pub.Encrypt(data, RSAEncryptionPadding.OaepSHA256);
        return priv.Decrypt(enc, RSAEncryptionPadding.OaepSHA256).SequenceEqual(data);
    }
    catch { return false; }
}

static async Task Serve(string[] args)
{
    string Arg(string name) => args[Array.IndexOf(args, name) + 1];
    var password = Environment.GetEnvironmentVariable("IDM_CONFORMANCE_PFX_PASSWORD");
    var cert = X509CertificateLoader.LoadPkcs12FromFile(Arg("--pfx"), password);
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, int.Parse(Arg("--port")),
        l => l.UseHttps(cert)));
    var app = builder.Build();
    // The product's health endpoint answers its status as text.
    app.MapGet("/hc", () => Results.Text("Healthy"));
    app.MapGet("/", () => Results.Text("Identity Manager (conformance stand-in)"));
    await app.StartAsync();
    Console.Out.WriteLine($"listening {app.Urls.FirstOrDefault()}");
    Console.Out.Flush();
    await app.WaitForShutdownAsync();
}

record CertRequest(string Path, string? Password);
// Address and Port are where the socket goes (a sandbox face on 127.0.0.1); Host and LogicalPort
// are what the product's settings say (MailKit checks the certificate against Host and picks what
// Auto means from the port: 465 is SslOnConnect, anything else StartTlsWhenAvailable).
// Direct: MailKit opens the connection itself (ConnectAsync(Address, Port, option)), as the product does.
record SmtpRequest(string Address, int Port, string Host, int? LogicalPort, string Option, string? CaFile, string? User, string? Password, int? TimeoutMs, bool Direct = false);

static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };
}

static class Smtp
{
    public static async Task<object> Run(SmtpRequest r)
    {
        var step = "connect";
        var started = DateTime.UtcNow;
        // A guard far past MailKit's own timeout: a dialogue that outlives it is reported, not waited on.
        using var guard = new CancellationTokenSource((r.TimeoutMs ?? 10_000) * 3);
        using var client = new MailKit.Net.Smtp.SmtpClient();
        client.Timeout = r.TimeoutMs ?? 10_000;
        X509Certificate2Collection? roots = null;
        if (r.CaFile != null)
        {
            roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(r.CaFile);
        }
        // The product trusts what Windows trusts; here the sandbox's CA stands for that store. The
        // name check is .NET's own (SslStream against Host).
        client.ServerCertificateValidationCallback = (_, cert, _, errors) =>
        {
            if (cert == null) return false;
            if (roots == null) return errors == System.Net.Security.SslPolicyErrors.None;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var ok = chain.Build(new X509Certificate2(cert));
            var nameOk = (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            return ok && nameOk;
        };
        try
        {
            var option = Enum.Parse<MailKit.Security.SecureSocketOptions>(r.Option, ignoreCase: true);
            if (r.Direct) await client.ConnectAsync(r.Address, r.Port, option, guard.Token);
            else
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(System.Net.IPAddress.Parse(r.Address), r.Port, guard.Token);
                await client.ConnectAsync(socket, r.Host, r.LogicalPort ?? r.Port, option, guard.Token);
            }
            step = "authenticate";
            var secure = client.IsSecure;
            if (r.User != null) await client.AuthenticateAsync(r.User, r.Password ?? "", guard.Token);
            var authenticated = client.IsAuthenticated;
            step = "done";
            await client.DisconnectAsync(true, guard.Token);
            return new Dictionary<string, object?> { ["ok"] = true, ["secure"] = secure, ["authenticated"] = authenticated, ["step"] = step };
        }
        catch (Exception e)
        {
            return new Dictionary<string, object?>
            {
                ["ok"] = false,
                ["step"] = step,
                ["error"] = $"{e.GetType().Name}: {e.Message}",
                ["outlived"] = guard.IsCancellationRequested,
                ["ms"] = (int)(DateTime.UtcNow - started).TotalMilliseconds,
            };
        }
    }
}
