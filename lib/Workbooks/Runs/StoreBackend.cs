using System.Data.Common;

namespace Workbooks.Runs;

/// <summary>
/// What differs between the databases a <see cref="RunStore"/> can live in: how to connect, how a write
/// transaction starts, which failures are worth retrying, and how a failure to open is explained. The
/// store's SQL is shared: named parameters written <c>@name</c>, <c>ON CONFLICT ... DO NOTHING</c>, text
/// timestamps, and the numbered migrations of <see cref="Schema"/>.
/// </summary>
internal abstract class StoreBackend : IDisposable
{
    /// <summary>Names the database in messages: a file path, or <c>postgres://user@host:port/db</c>. Never a password.</summary>
    public abstract string Location { get; }

    /// <summary>An open connection.</summary>
    public abstract DbConnection Connect();

    /// <summary>A transaction that writes; it must not fail half-way for lack of a lock it could have taken up front.</summary>
    public virtual DbTransaction BeginWrite(DbConnection connection) => connection.BeginTransaction();

    /// <summary>A failure after which the whole unit of work may simply be tried again.</summary>
    public abstract bool IsTransient(Exception e);

    /// <summary>A failure of the connection itself (the server went away or cannot be reached), not of the SQL.</summary>
    public abstract bool IsConnectionLost(Exception e);

    /// <summary>An INSERT that names a run that does not exist.</summary>
    public abstract bool IsForeignKeyViolation(Exception e);

    /// <summary>Once per open, before migrating: settings stored in the database itself.</summary>
    public virtual void Prepare(DbConnection connection) { }

    /// <summary>Inside the migration's transaction, before anything is read: keeps two processes that open a
    /// new store at once from both migrating it.</summary>
    public virtual void LockForMigration(DbConnection connection, DbTransaction tx) { }

    /// <summary>The error to show for a failure while opening the store, naming it; null to let it through.</summary>
    public abstract Exception? ExplainOpenFailure(Exception e);

    /// <summary>Closes pooled connections.</summary>
    public abstract void Dispose();
}
