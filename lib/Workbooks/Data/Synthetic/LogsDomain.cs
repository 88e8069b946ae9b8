using System.Text;

namespace Workbooks.Data.Synthetic;

/// <summary>
/// Domain "logs": service log lines with increasing timestamps, where the level follows from the message
/// (a failed login is a WARN, a timeout an ERROR), mixing digits, capitals and key=value fields.
/// </summary>
public sealed class LogsDomain : SyntheticGenerator
{
    public override string Name => "domain:logs";
    public override string Description => "3-6 log lines \"2024-03-17 08:15:02 WARN auth: login failed user=u17\" with increasing times.";

    public override Document Next(SeededRandom rng)
    {
        int month = rng.NextInt(1, 13), day = rng.NextInt(1, 29);
        int seconds = rng.NextInt(0, 22 * 3600);
        var text = new StringBuilder();
        int lines = rng.NextInt(3, 7);
        for (int i = 0; i < lines; i++)
        {
            seconds += rng.NextInt(0, 6);
            var (level, message) = Event(rng);
            text.Append($"2024-{month:D2}-{day:D2} {seconds / 3600:D2}:{seconds / 60 % 60:D2}:{seconds % 60:D2} {level} {message}\n");
        }
        return new Document(text.ToString(), Name);
    }

    static (string Level, string Message) Event(SeededRandom rng)
    {
        int user = rng.NextInt(1, 50), item = rng.NextInt(1, 500), ms = rng.NextInt(1, 100);
        return rng.NextInt(9) switch
        {
            0 => ("INFO", $"auth: login ok user=u{user}"),
            1 => ("WARN", $"auth: login failed user=u{user}"),
            2 => ("INFO", $"db: query rows={rng.NextInt(0, 40)} took={ms}ms"),
            3 => ("ERROR", $"db: timeout after {1000 + ms * 10}ms"),
            4 => ("INFO", $"http: GET /api/items/{item} 200"),
            5 => ("INFO", $"http: POST /api/orders 201"),
            6 => ("WARN", $"http: GET /api/users/{user} 404"),
            7 => ("INFO", $"cache: hit key=k{item}"),
            _ => ("INFO", $"cache: miss key=k{item}"),
        };
    }
}
