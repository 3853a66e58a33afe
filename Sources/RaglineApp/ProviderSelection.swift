import Configuration
import RAGCore

/// Which concrete provider fills each protocol a role needs; `ProviderFactory` builds them. Each default
/// is written here once.
public struct ProviderSelection: Sendable {
    /// `RAGLINE_EMBEDDER`: minilm, lexical, openai, huggingface or pinecone.
    public var embedder = "minilm"
    /// `RAGLINE_VECTOR_INDEX`: local or pinecone.
    public var vectorIndex = "local"
    /// `RAGLINE_CHAT_MODEL`: extractive or openai.
    public var chatModel = "extractive"
    /// `RAGLINE_OBJECT_STORE`: folder or s3.
    public var objectStore = "folder"
    /// `RAGLINE_INGEST_SOURCE`: kafka or sqs.
    public var ingestSource = "kafka"
    /// `HF_TOKEN`: the key hosted models fall back to when theirs is not set.
    public var huggingFaceToken: String?
    /// `RAGLINE_EMBED_BATCH_MAX_SIZE`: texts embedded together at most when requests arrive together (1: no batching).
    /// 16 rather than 32: as many answers a second under 64 concurrent chats, and a p99 25-50 ms lower, since a
    /// question that just missed a pass waits for a shorter one (BENCHMARKS.md).
    public var embedBatchMaxSize = 16
    /// `RAGLINE_EMBED_BATCH_MAX_WAIT_MS`: how long a batch that is not full waits for more (0: a lone question never waits).
    public var embedBatchMaxWait: Duration = .zero
    /// `RAGLINE_EMBED_CONCURRENT_BATCHES`: batches embedded at once (nil: one per CPU core, divided by the
    /// MiniLM threads of a pass). Each MiniLM batch runs on its own thread, so a pass never waits for another.
    public var embedConcurrentBatches: Int?

    public init() {}

    public static let `default` = ProviderSelection()
}

extension Settings {
    public static let embedder = Setting("ragline.embedder", default: ProviderSelection.default.embedder, roles: "retriever, ingest-worker", "Embedder: `minilm` (all-MiniLM-L6-v2 in-process, 384 dimensions), `lexical` (hashed words and character trigrams; no model files, no semantics), `openai` (an OpenAI-compatible `/embeddings` endpoint), `huggingface` (Hugging Face feature extraction) or `pinecone` (Pinecone Inference). Re-ingest the knowledge after a change.")
    public static let vectorIndex = Setting("ragline.vector.index", default: ProviderSelection.default.vectorIndex, roles: "retriever, ingest-worker", "Vector index: `local` (exact cosine, persisted under the data directory) or `pinecone`.")
    public static let chatModel = Setting("ragline.chat.model", default: ProviderSelection.default.chatModel, roles: "responder", "Answer writer: `extractive` returns the best entry's approved answer verbatim; `openai` asks an OpenAI-compatible chat-completions endpoint (`LLM_*`).")
    public static let objectStore = Setting("ragline.object.store", default: ProviderSelection.default.objectStore, roles: "ingest-worker", "Where knowledge files are read: `folder` (`$RAGLINE_DATA_DIR/knowledge`) or `s3`.")
    public static let ingestSource = Setting("ragline.ingest.source", default: ProviderSelection.default.ingestSource, roles: "ingest-worker", "Where object events come from: `kafka` (`rag.ingest.events`) or `sqs` (S3 notifications on `SQS_QUEUE_URL`).")
    public static let embedBatchMaxSize = Setting("ragline.embed.batch.max.size", default: "\(ProviderSelection.default.embedBatchMaxSize)", roles: "retriever, ingest-worker", "Dynamic batching: questions (and knowledge lines) that arrive while the embedder is busy are embedded together in its next forward pass, up to this many texts. 1 turns batching off.")
    public static let embedBatchMaxWait = Setting("ragline.embed.batch.max.wait.ms", default: "0", roles: "retriever, ingest-worker", "Dynamic batching: how long a batch that is not full waits for company. At 0 a question that finds the embedder idle starts at once.")
    public static let embedConcurrentBatches = Setting(
        "ragline.embed.concurrent.batches", default: "(CPU cores ÷ RAGLINE_EMBEDDER_THREADS)", roles: "retriever, ingest-worker",
        "Dynamic batching: batches embedded at once. MiniLM runs each on its own thread, so on a machine with cores to spare a batch starts while another is still running; remote embedders get that many requests at once."
    )
    public static let huggingFaceToken = Setting("hf.token", default: "(none)", roles: "responder, retriever, ingest-worker", "Hugging Face token, used when `LLM_API_KEY` (or `EMBEDDINGS_API_KEY`) is not set.", secret: true)
}

extension ProviderSelection: ConfigurationSection {
    public static let settings: [Setting] = [
        Settings.embedder, Settings.vectorIndex, Settings.chatModel, Settings.objectStore, Settings.ingestSource, Settings.huggingFaceToken,
        Settings.embedBatchMaxSize, Settings.embedBatchMaxWait, Settings.embedConcurrentBatches,
    ]

    public init(reader: ConfigReader) throws {
        self.init()
        let d = Self.default
        embedder = reader.string(Settings.embedder, default: d.embedder)
        vectorIndex = reader.string(Settings.vectorIndex, default: d.vectorIndex)
        chatModel = reader.string(Settings.chatModel, default: d.chatModel)
        objectStore = reader.string(Settings.objectStore, default: d.objectStore)
        ingestSource = reader.string(Settings.ingestSource, default: d.ingestSource)
        huggingFaceToken = reader.optionalString(Settings.huggingFaceToken)
        embedBatchMaxSize = try reader.positiveInt(Settings.embedBatchMaxSize, default: d.embedBatchMaxSize)
        let wait = try reader.int(Settings.embedBatchMaxWait, default: 0)
        guard wait >= 0 else { throw ConfigurationError(setting: Settings.embedBatchMaxWait, problem: "must be 0 or more, got \(wait)") }
        embedBatchMaxWait = .milliseconds(wait)
        embedConcurrentBatches = reader.isSet(Settings.embedConcurrentBatches) ? try reader.positiveInt(Settings.embedConcurrentBatches, default: 1) : nil
    }
}
