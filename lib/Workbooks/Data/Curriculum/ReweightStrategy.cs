namespace Workbooks.Data.Curriculum;

/// <summary>
/// How loss-based reweighting turns a sequence's normalised loss z (its loss minus the mean, over the standard
/// deviation) into a sampling logit; probabilities are softmax(g(z) / temperature).
/// After Sow et al. (2025), "Dynamic loss-based sample reweighting for improved LLM pretraining".
/// </summary>
public enum ReweightStrategy
{
    /// <summary>g(z) = 0: every sequence equally likely (the baseline).</summary>
    Uniform,
    /// <summary>g(z) = z: the higher the loss, the more likely.</summary>
    UpweightHighLoss,
    /// <summary>
    /// g(z) = min(z, cap), the paper's LinUpper: low-loss (already learned) sequences are deprioritised, and the
    /// cap keeps very high-loss ones (often noise) from taking over.
    /// </summary>
    DeprioritiseLowLoss,
}
