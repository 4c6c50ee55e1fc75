using System.Text.RegularExpressions;
using Tierflow.Tiering;

namespace Tierflow.Compilation;

/// <summary>Decides whether an injected fault applies to a compile (see TierflowOptions.InjectCompileFailures).</summary>
internal static class FaultInjection
{
    public static bool ShouldFail(IReadOnlyList<string> specs, string function, OptLevel level)
    {
        foreach (var spec in specs)
        {
            var at = spec.LastIndexOf('@');
            var pattern = at < 0 ? spec : spec[..at];
            if (at >= 0 && !string.Equals(spec[(at + 1)..], level.ToString(), StringComparison.OrdinalIgnoreCase)) continue;
            var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*") + "$";
            if (Regex.IsMatch(function, regex)) return true;
        }
        return false;
    }
}
