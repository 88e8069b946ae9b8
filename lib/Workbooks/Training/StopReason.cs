namespace Workbooks.Training;

public enum StopReason
{
    /// <summary>All configured steps ran.</summary>
    Completed,
    /// <summary>The cancellation token fired; the run stopped between steps.</summary>
    Cancelled,
    /// <summary>The loss or the gradient norm became NaN or infinite.</summary>
    Diverged,
}
