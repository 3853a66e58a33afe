import Configuration
import RAGCore

/// Settings of the operator's reports (`ragline gaps`, `ragline feedback-report`). Each property's default
/// is written here once; `Settings` documents it. The commands' options override them for one run.
public struct OperatorReportsConfiguration: Sendable, Hashable {
    /// `RAGLINE_GAPS_MARGIN`: an answered question whose confidence (its best cosine) is less than this
    /// over its threshold is reported as a gap, as a `no_match` is. 0 reports `no_match` answers only.
    public var gapsMargin = 0.05
    /// `RAGLINE_GAPS_CLUSTER_DISTANCE`: groups of questions merge while their average cosine distance
    /// (1 - cosine) is at most this. Chosen for all-MiniLM-L6-v2 (see the README's "Operating the knowledge
    /// base"): 0.45 kept paraphrases together and unrelated questions apart best on the demo golden set.
    public var gapsClusterDistance = 0.45

    public init() {}

    public static let `default` = OperatorReportsConfiguration()
}

extension Settings {
    public static let gapsMargin = Setting(
        "ragline.gaps.margin", default: "\(OperatorReportsConfiguration.default.gapsMargin)", roles: "gaps",
        "`ragline gaps` also reports answered questions whose confidence is less than this over their threshold (0: `no_match` only)."
    )
    public static let gapsClusterDistance = Setting(
        "ragline.gaps.cluster.distance", default: "\(OperatorReportsConfiguration.default.gapsClusterDistance)", roles: "gaps",
        "`ragline gaps` merges groups of questions while their cosine distance (1 - cosine; average linkage unless `--linkage complete`) is at most this; 0.45 suits all-MiniLM-L6-v2."
    )
}

extension OperatorReportsConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [Settings.gapsMargin, Settings.gapsClusterDistance]

    public init(reader: ConfigReader) throws {
        self.init()
        let d = Self.default
        gapsMargin = try reader.double(Settings.gapsMargin, default: d.gapsMargin)
        guard (0...1).contains(gapsMargin) else {
            throw ConfigurationError(setting: Settings.gapsMargin, problem: "must be between 0 and 1, got \(gapsMargin)")
        }
        gapsClusterDistance = try reader.double(Settings.gapsClusterDistance, default: d.gapsClusterDistance)
        guard gapsClusterDistance >= 0, gapsClusterDistance <= 2 else {
            throw ConfigurationError(setting: Settings.gapsClusterDistance, problem: "must be between 0 and 2 (a cosine distance), got \(gapsClusterDistance)")
        }
    }
}
