import Foundation
import LocalProviders
import MiniLM
import OpenAICompatible
import RAGCore

/// The one place where configuration picks concrete providers. Roles receive only the protocols.
public enum ProviderFactory {
    public static func embedder(_ configuration: RaglineConfiguration) throws -> any Embedder {
        switch configuration.retriever.embedder {
        case "minilm":
            do {
                return try MiniLMEmbedder(directory: configuration.retriever.modelDirectory, threads: configuration.retriever.embedderThreads)
            } catch {
                throw ConfigurationError(setting: Settings.modelDirectory, problem: "is unusable: \(error)")
            }
        case "lexical": return LexicalEmbedder()
        case "openai", "huggingface":
            let hosted = configuration.hosted
            let isHuggingFace = configuration.retriever.embedder == "huggingface"
            let url = hosted.embeddingsURL ?? (isHuggingFace
                ? "https://router.huggingface.co/hf-inference/models/\(hosted.embeddingsModel)/pipeline/feature-extraction"
                : hosted.llmBaseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/embeddings")
            let key = hosted.embeddingsAPIKey ?? hosted.llmAPIKey ?? hosted.huggingFaceToken
            if key == nil, url.contains("huggingface.co") || url.contains("api.openai.com") {
                throw ConfigurationError(setting: Settings.embeddingsAPIKey, problem: "(or LLM_API_KEY, or HF_TOKEN) must be set for \(url)")
            }
            return OpenAICompatibleEmbedder(
                api: isHuggingFace ? .huggingFaceFeatureExtraction : .openAI, url: url, model: hosted.embeddingsModel,
                dimensions: hosted.embeddingsDimensions, apiKey: key, batchSize: configuration.ingest.embedBatchSize,
                apiKeySettingName: "EMBEDDINGS_API_KEY (or LLM_API_KEY, or HF_TOKEN)"
            )
        case let other:
            throw ConfigurationError(setting: Settings.embedder, problem: "names an unknown embedder \"\(other)\"; known: minilm, lexical, openai, huggingface")
        }
    }

    public static func index(_ configuration: RaglineConfiguration) throws -> any VectorIndex {
        try localIndex(configuration)
    }

    public static func localIndex(_ configuration: RaglineConfiguration) throws -> LocalVectorIndex {
        try LocalVectorIndex(directory: configuration.indexDirectory)
    }

    public static func chatModel(_ configuration: RaglineConfiguration) throws -> any ChatModel {
        switch configuration.responder.chatModel {
        case "extractive":
            return ExtractiveChatModel(noMatchThreshold: configuration.responder.noMatchThreshold, noMatchAnswer: configuration.responder.noMatchAnswer)
        case "openai":
            let hosted = configuration.hosted
            var model = OpenAICompatibleConfiguration()
            model.baseURL = hosted.llmBaseURL
            model.model = hosted.llmModel
            model.apiKey = hosted.llmAPIKey ?? hosted.huggingFaceToken
            model.maxTokens = hosted.llmMaxTokens
            model.temperature = hosted.llmTemperature
            model.timeout = hosted.llmTimeout
            model.stream = hosted.llmStream
            model.noMatchThreshold = configuration.responder.noMatchThreshold
            model.noMatchAnswer = configuration.responder.noMatchAnswer
            guard URL(string: model.baseURL)?.scheme?.hasPrefix("http") == true else {
                throw ConfigurationError(setting: Settings.llmBaseURL, problem: "is not an http(s) URL: \(model.baseURL)")
            }
            if model.apiKey == nil, model.baseURL.contains("huggingface.co") || model.baseURL.contains("api.openai.com") {
                throw ConfigurationError(setting: Settings.llmAPIKey, problem: "(or HF_TOKEN) must be set for \(model.baseURL)")
            }
            return OpenAICompatibleChatModel(configuration: model)
        case let other:
            throw ConfigurationError(setting: Settings.chatModel, problem: "names an unknown chat model \"\(other)\"; known: extractive, openai")
        }
    }

    public static func objectStore(_ configuration: RaglineConfiguration) -> FolderObjectStore {
        FolderObjectStore(root: configuration.knowledgeDirectory)
    }
}
