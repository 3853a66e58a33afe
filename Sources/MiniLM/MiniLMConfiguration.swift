import Configuration
import RAGCore

/// Settings of the in-process MiniLM embedder. Each property's default is written here once.
public struct MiniLMConfiguration: Sendable {
    /// `RAGLINE_MODEL_DIR`: the folder with the model files (`scripts/install-model.sh` fills it).
    public var directory = "models/all-MiniLM-L6-v2"
    /// `RAGLINE_EMBEDDER_THREADS`: threads one forward pass uses.
    public var threads = 1

    public init() {}

    public static let `default` = MiniLMConfiguration()
}

extension Settings {
    public static let modelDirectory = Setting("ragline.model.dir", default: MiniLMConfiguration.default.directory, roles: "retriever, ingest-worker", "Folder with the MiniLM model files; `scripts/install-model.sh` fills it.")
    public static let embedderThreads = Setting("ragline.embedder.threads", default: "\(MiniLMConfiguration.default.threads)", roles: "retriever, ingest-worker", "Threads one MiniLM forward pass uses (`RAGLINE_EMBED_CONCURRENT_BATCHES` passes run at once).")
}

extension MiniLMConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [Settings.modelDirectory, Settings.embedderThreads]

    public init(reader: ConfigReader) throws {
        self.init()
        directory = reader.string(Settings.modelDirectory, default: Self.default.directory)
        threads = try reader.positiveInt(Settings.embedderThreads, default: Self.default.threads)
    }
}

extension MiniLMEmbedder {
    /// - Parameter passes: forward passes that may run at once, each on its own thread(s).
    public convenience init(configuration: MiniLMConfiguration, passes: Int = 1) throws {
        try self.init(directory: configuration.directory, threads: configuration.threads, passes: passes)
    }
}
