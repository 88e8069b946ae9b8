using System.Diagnostics;

namespace Workbooks.Runs;

/// <summary>
/// Retries a whole unit of work (connection, transaction and all) while the backend reports a transient
/// failure: SQLite busy or locked, a PostgreSQL serialization failure or deadlock. The drivers' own waits
/// (SQLite's busy timeout, a server's lock waits) come first; this is the outer layer for when they give
/// up, so a busy store costs time rather than a lost write.
/// </summary>
internal static class StoreRetry
{
    public static T Run<T>(Func<T> work, Func<Exception, bool> transient, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var delayMs = 2;
        while (true)
        {
            try { return work(); }
            catch (Exception e) when (transient(e) && clock.Elapsed < budget)
            {
                Thread.Sleep(Random.Shared.Next(delayMs, 2 * delayMs));
                delayMs = Math.Min(2 * delayMs, 250);
            }
        }
    }
}
