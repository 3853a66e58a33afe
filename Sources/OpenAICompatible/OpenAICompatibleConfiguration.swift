import Foundation

/// How to reach an OpenAI-compatible server: the Hugging Face Inference Providers router by default, or
/// vLLM, TGI, Ollama, llama.cpp, OpenAI by base URL.
public struct OpenAICompatibleConfiguration: Sendable {
    /// `LLM_BASE_URL`; requests go to `<base>/chat/completions`.
    public var baseURL: String = "https://router.huggingface.co/v1"
    /// `LLM_MODEL`; on the Hugging Face router it may carry a provider suffix (`:fastest`, `:novita`).
    public var model: String = "meta-llama/Llama-3.1-8B-Instruct"
    /// `LLM_API_KEY`, else `HF_TOKEN`; sent as `Authorization: Bearer`. Never logged.
    public var apiKey: String?
    public var maxTokens: Int = 512
    public var temperature: Double = 0.2
    public var timeout: Duration = .seconds(30)
    /// Ask for server-sent events and assemble the answer from the chunks.
    public var stream: Bool = false
    /// The name of the setting that holds the key, for error messages.
    public var apiKeySettingName: String = "LLM_API_KEY (or HF_TOKEN)"

    public init() {}

    var chatCompletionsURL: String { baseURL.trimmingSuffix("/") + "/chat/completions" }
    var embeddingsURL: String { baseURL.trimmingSuffix("/") + "/embeddings" }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
