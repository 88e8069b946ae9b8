namespace Workbooks.Runs;

/// <summary>
/// This process's claim on computing one job (a config hash) in a <see cref="RunStore"/>, from
/// <see cref="RunStore.TryClaim"/>. While it is held, other processes asking for the same job wait; a
/// timer renews its lease (and the heartbeat of the run it is attached to) so they can tell a slow owner
/// from a dead one. Disposing releases it.
/// </summary>
public sealed class JobClaim : IDisposable
{
    readonly RunStore store;
    readonly Timer heartbeat;
    readonly Lock gate = new();
    string? runId;
    bool released;

    internal JobClaim(RunStore store, string configHash, string token)
    {
        this.store = store;
        ConfigHash = configHash;
        Token = token;
        heartbeat = new Timer(_ => Beat(), null, store.HeartbeatInterval, store.HeartbeatInterval);
    }

    public string ConfigHash { get; }
    internal string Token { get; }

    /// <summary>False once another process has taken the claim over (this one missed its lease).</summary>
    public bool Held { get; private set; } = true;

    /// <summary>Cancelled when a heartbeat finds the claim taken over: the work under it should stop, since
    /// another process now resumes it.</summary>
    public CancellationToken Lost => lost.Token;
    readonly CancellationTokenSource lost = new();

    /// <summary>Names the run this claim computes, so its heartbeat is renewed with the claim's.</summary>
    public void Attach(string id)
    {
        lock (gate) runId = id;
        Beat();
    }

    void Beat()
    {
        lock (gate)
        {
            if (released) return;
            try
            {
                Held = store.Renew(ConfigHash, Token, runId);
                if (!Held) lost.Cancel();
            }
            // A busy or briefly unreachable database costs one beat; the lease is several beats long.
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or TimeoutException) { }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (released) return;
            released = true;
        }
        heartbeat.Dispose();
        lost.Dispose();
        try { store.Release(ConfigHash, Token); }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or TimeoutException) { } // the lease expires on its own
    }
}
