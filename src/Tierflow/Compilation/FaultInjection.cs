using System.Text.RegularExpressions;
using Tierflow.Tiering;

namespace Tierflow.Compilation;

/// <summary>Decides whether an injected fault applies to a compile (see TierflowOptions.InjectCompileFailures).</summary>
internal static class FaultInjection
{
    /// <summary>FUNCTION matches every compile of it; FUNCTION@O3 its compiles at O3 (OSR continuations
    /// included); FUNCTION@osr its on-stack-replacement continuations only.</summary>
    public static bool ShouldFail(IReadOnlyList<string> specs, string function, OptLevel level, bool osr = false)
    {
        foreach (var spec in specs)
        {
            var at = spec.LastIndexOf('@');
            var pattern = at < 0 ? spec : spec[..at];
            var tag = at < 0 ? null : spec[(at + 1)..];
            if (tag != null && !(string.Equals(tag, level.ToString(), StringComparison.OrdinalIgnoreCase)
                                 || (osr && string.Equals(tag, "osr", StringComparison.OrdinalIgnoreCase)))) continue;
            var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*") + "$";
            if (Regex.IsMatch(function, regex)) return true;
        }
        return false;
    }
}
