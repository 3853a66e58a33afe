import LocalProviders
import MiniLM
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
        case let other:
            throw ConfigurationError(setting: Settings.embedder, problem: "names an unknown embedder \"\(other)\"; known: minilm, lexical")
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
        case let other:
            throw ConfigurationError(setting: Settings.chatModel, problem: "names an unknown chat model \"\(other)\"; known: extractive")
        }
    }

    public static func objectStore(_ configuration: RaglineConfiguration) -> FolderObjectStore {
        FolderObjectStore(root: configuration.knowledgeDirectory)
    }
}
