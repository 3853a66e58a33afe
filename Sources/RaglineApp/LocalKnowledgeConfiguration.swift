import Configuration
import RAGCore

/// The local knowledge folder of `ragline dev`: where its object events say the files are, how often it
/// is scanned, and the demo knowledge it starts with. Each default is written here once.
public struct LocalKnowledgeConfiguration: Sendable {
    /// `RAGLINE_KNOWLEDGE_BUCKET`: the bucket name in the events the folder watcher emits.
    public var bucket = "local"
    /// `RAGLINE_WATCH_INTERVAL_MS`.
    public var watchInterval: Duration = .milliseconds(1000)
    /// `RAGLINE_SEED_DIR`: copied into an empty knowledge folder on first start.
    public var seedDirectory = "examples/knowledge"

    public init() {}

    public static let `default` = LocalKnowledgeConfiguration()
}

extension Settings {
    public static let knowledgeBucket = Setting("ragline.knowledge.bucket", default: LocalKnowledgeConfiguration.default.bucket, roles: "dev, ingest-worker", "Bucket name of the local knowledge folder in the events it emits.")
    public static let watchInterval = Setting("ragline.watch.interval.ms", default: "\(LocalKnowledgeConfiguration.default.watchInterval.wholeMilliseconds)", roles: "dev", "How often the local knowledge folder is scanned for changes.")
    public static let seedDirectory = Setting("ragline.seed.dir", default: LocalKnowledgeConfiguration.default.seedDirectory, roles: "dev", "Demo knowledge copied into an empty knowledge folder on first start.")
}

extension LocalKnowledgeConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [Settings.knowledgeBucket, Settings.watchInterval, Settings.seedDirectory]

    public init(reader: ConfigReader) throws {
        self.init()
        let d = Self.default
        bucket = reader.string(Settings.knowledgeBucket, default: d.bucket)
        watchInterval = .milliseconds(try reader.positiveInt(Settings.watchInterval, default: d.watchInterval.wholeMilliseconds))
        seedDirectory = reader.string(Settings.seedDirectory, default: d.seedDirectory)
    }
}
