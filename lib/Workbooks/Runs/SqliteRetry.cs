using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Workbooks.Runs;

/// <summary>
/// Retries a whole unit of work (connection, transaction and all) while the database stays busy or locked.
/// SQLite's busy timeout and Microsoft.Data.Sqlite's own per-statement retry already wait for a lock up to
/// the command timeout; this is the outer layer for when they give up (a long checkpoint, a writer that
/// holds the lock past the timeout), so a busy store costs time rather than a lost write.
/// </summary>
internal static class SqliteRetry
{
    const int SqliteBusy = 5, SqliteLocked = 6;

    public static T Run<T>(Func<T> work, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var delayMs = 2;
        while (true)
        {
            try { return work(); }
            catch (SqliteException e) when (e.SqliteErrorCode is SqliteBusy or SqliteLocked && clock.Elapsed < budget)
            {
                Thread.Sleep(Random.Shared.Next(delayMs, 2 * delayMs));
                delayMs = Math.Min(2 * delayMs, 250);
            }
        }
    }
}
