import Configuration
import Foundation
import RAGCore

/// How to reach an OpenAI-compatible chat server: the Hugging Face Inference Providers router by default,
/// or vLLM, TGI, Ollama, llama.cpp, OpenAI by base URL. Each default is written here once.
public struct OpenAICompatibleConfiguration: Sendable {
    /// `LLM_BASE_URL`; requests go to `<base>/chat/completions`.
    public var baseURL: String = "https://router.huggingface.co/v1"
    /// `LLM_MODEL`; on the Hugging Face router it may carry a provider suffix (`:fastest`, `:novita`).
    public var model: String = "meta-llama/Llama-3.1-8B-Instruct"
    /// `LLM_API_KEY` (the wiring falls back to `HF_TOKEN`); sent as `Authorization: Bearer`. Never logged.
    public var apiKey: String?
    /// `LLM_MAX_TOKENS`.
    public var maxTokens: Int = 512
    /// `LLM_TEMPERATURE`.
    public var temperature: Double = 0.2
    /// `LLM_TIMEOUT_SECONDS`: one request's timeout; the question's deadline bounds the retries.
    public var timeout: Duration = .seconds(30)
    /// `LLM_STREAM`: ask for server-sent events and assemble the answer from the chunks.
    public var stream: Bool = false
    /// The name of the setting that holds the key, for error messages.
    public var apiKeySettingName: String = "LLM_API_KEY (or HF_TOKEN)"

    public init() {}

    public static let `default` = OpenAICompatibleConfiguration()

    var chatCompletionsURL: String { baseURL.trimmingSuffix("/") + "/chat/completions" }
    /// `<base>/embeddings`, the hosted embedder's default endpoint.
    public var embeddingsURL: String { baseURL.trimmingSuffix("/") + "/embeddings" }
}

/// A hosted embedder: an OpenAI-compatible `/embeddings` endpoint or Hugging Face feature extraction.
public struct HostedEmbeddingsConfiguration: Sendable {
    /// `EMBEDDINGS_URL`; nil: `$LLM_BASE_URL/embeddings` (openai) or the router's feature-extraction URL of the model.
    public var url: String?
    /// `EMBEDDINGS_MODEL`.
    public var model = "sentence-transformers/all-MiniLM-L6-v2"
    /// `EMBEDDINGS_DIMENSIONS`: checked on every answer.
    public var dimensions = 384
    /// `EMBEDDINGS_API_KEY` (the wiring falls back to `LLM_API_KEY`, then `HF_TOKEN`).
    public var apiKey: String?

    public init() {}

    public static let `default` = HostedEmbeddingsConfiguration()

    /// The Hugging Face router's feature-extraction endpoint of `model`.
    public var huggingFaceFeatureExtractionURL: String {
        "https://router.huggingface.co/hf-inference/models/\(model)/pipeline/feature-extraction"
    }
}

extension Settings {
    public static let llmBaseURL = Setting("llm.base.url", default: OpenAICompatibleConfiguration.default.baseURL, roles: "responder", "Base URL of the OpenAI-compatible server (Hugging Face router, vLLM, TGI, Ollama, llama.cpp, OpenAI).")
    public static let llmModel = Setting("llm.model", default: OpenAICompatibleConfiguration.default.model, roles: "responder", "Chat model; on the Hugging Face router it may end in `:fastest`, `:cheapest` or `:<provider>`.")
    public static let llmAPIKey = Setting("llm.api.key", default: "(none)", roles: "responder", "Bearer key of the chat server.", secret: true)
    public static let llmMaxTokens = Setting("llm.max.tokens", default: "\(OpenAICompatibleConfiguration.default.maxTokens)", roles: "responder", "`max_tokens` of each answer.")
    public static let llmTemperature = Setting("llm.temperature", default: "\(OpenAICompatibleConfiguration.default.temperature)", roles: "responder", "`temperature` of each answer.")
    public static let llmTimeout = Setting("llm.timeout.seconds", default: "\(Int(OpenAICompatibleConfiguration.default.timeout.seconds))", roles: "responder", "Timeout of one chat request; the question's deadline bounds the retries.")
    public static let llmStream = Setting("llm.stream", default: "\(OpenAICompatibleConfiguration.default.stream)", roles: "responder", "Ask for server-sent events and assemble the answer from the chunks.")
    public static let embeddingsURL = Setting("embeddings.url", default: "`$LLM_BASE_URL/embeddings` (openai); the router's feature-extraction URL of `EMBEDDINGS_MODEL` (huggingface)", roles: "retriever, ingest-worker", "Endpoint of the hosted embedder.")
    public static let embeddingsModel = Setting("embeddings.model", default: HostedEmbeddingsConfiguration.default.model, roles: "retriever, ingest-worker", "Model of the hosted embedder.")
    public static let embeddingsDimensions = Setting("embeddings.dimensions", default: "\(HostedEmbeddingsConfiguration.default.dimensions)", roles: "retriever, ingest-worker", "Vector size the hosted embedder returns (checked on every answer).")
    public static let embeddingsAPIKey = Setting("embeddings.api.key", default: "`LLM_API_KEY`, else `HF_TOKEN`", roles: "retriever, ingest-worker", "Bearer key of the hosted embedder.", secret: true)
}

extension OpenAICompatibleConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [
        Settings.llmBaseURL, Settings.llmModel, Settings.llmAPIKey, Settings.llmMaxTokens, Settings.llmTemperature, Settings.llmTimeout, Settings.llmStream,
    ]

    public init(reader: ConfigReader) throws {
        self.init()
        let d = Self.default
        baseURL = reader.string(Settings.llmBaseURL, default: d.baseURL)
        model = reader.string(Settings.llmModel, default: d.model)
        apiKey = reader.optionalString(Settings.llmAPIKey)
        maxTokens = try reader.positiveInt(Settings.llmMaxTokens, default: d.maxTokens)
        temperature = try reader.double(Settings.llmTemperature, default: d.temperature)
        timeout = try reader.positiveSeconds(Settings.llmTimeout, default: d.timeout)
        stream = try reader.boolean(Settings.llmStream) ?? d.stream
    }
}

extension HostedEmbeddingsConfiguration: ConfigurationSection {
    public static let settings: [Setting] = [Settings.embeddingsURL, Settings.embeddingsModel, Settings.embeddingsDimensions, Settings.embeddingsAPIKey]

    public init(reader: ConfigReader) throws {
        self.init()
        url = reader.optionalString(Settings.embeddingsURL)
        model = reader.string(Settings.embeddingsModel, default: Self.default.model)
        dimensions = try reader.positiveInt(Settings.embeddingsDimensions, default: Self.default.dimensions)
        apiKey = reader.optionalString(Settings.embeddingsAPIKey)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
