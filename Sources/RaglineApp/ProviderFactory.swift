import Foundation
import AWS
import LocalProviders
import Logging
import MiniLM
import OpenAICompatible
import Pinecone
import RAGCore

/// The one place where configuration picks concrete providers. Roles receive only the protocols.
public enum ProviderFactory {
    /// Embedding batches run at once (`RAGLINE_EMBED_CONCURRENT_BATCHES`): by default one per core that a
    /// MiniLM pass of `RAGLINE_EMBEDDER_THREADS` threads leaves.
    public static func concurrentBatches(_ configuration: RaglineConfiguration) -> Int {
        configuration.providers.embedConcurrentBatches
            ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, configuration.miniLM.threads))
    }

    public static func embedder(_ configuration: RaglineConfiguration) throws -> any Embedder {
        switch configuration.providers.embedder {
        case "minilm":
            do {
                return try MiniLMEmbedder(configuration: configuration.miniLM, passes: concurrentBatches(configuration))
            } catch {
                throw ConfigurationError(setting: Settings.modelDirectory, problem: "is unusable: \(error)")
            }
        case "lexical": return LexicalEmbedder()
        case "openai", "huggingface":
            let embeddings = configuration.embeddings
            let isHuggingFace = configuration.providers.embedder == "huggingface"
            let url = embeddings.url ?? (isHuggingFace ? embeddings.huggingFaceFeatureExtractionURL : configuration.llm.embeddingsURL)
            let key = embeddings.apiKey ?? configuration.llm.apiKey ?? configuration.providers.huggingFaceToken
            if key == nil, url.contains("huggingface.co") || url.contains("api.openai.com") {
                throw ConfigurationError(setting: Settings.embeddingsAPIKey, problem: "(or LLM_API_KEY, or HF_TOKEN) must be set for \(url)")
            }
            return OpenAICompatibleEmbedder(
                api: isHuggingFace ? .huggingFaceFeatureExtraction : .openAI, url: url, model: embeddings.model,
                dimensions: embeddings.dimensions, apiKey: key, batchSize: configuration.ingest.embedBatchSize,
                apiKeySettingName: "EMBEDDINGS_API_KEY (or LLM_API_KEY, or HF_TOKEN)"
            )
        case "pinecone":
            return PineconeEmbedder(configuration: try pineconeConfiguration(configuration))
        case let other:
            throw ConfigurationError(setting: Settings.embedder, problem: "names an unknown embedder \"\(other)\"; known: minilm, lexical, openai, huggingface, pinecone")
        }
    }

    /// The configured index; a local one bound to `embedder`'s model (it refuses vectors of another).
    public static func index(_ configuration: RaglineConfiguration, embedder: (any Embedder)? = nil) throws -> any VectorIndex {
        switch configuration.providers.vectorIndex {
        case "local": return try localIndex(configuration, embedder: embedder)
        case "pinecone":
            let pinecone = try pineconeConfiguration(configuration)
            guard pinecone.indexName != nil || pinecone.indexHost != nil else {
                throw ConfigurationError(setting: Settings.pineconeIndex, problem: "(or PINECONE_INDEX_HOST) must be set when RAGLINE_VECTOR_INDEX=pinecone")
            }
            return PineconeVectorIndex(configuration: pinecone)
        case let other:
            throw ConfigurationError(setting: Settings.vectorIndex, problem: "names an unknown index \"\(other)\"; known: local, pinecone")
        }
    }

    static func pineconeConfiguration(_ configuration: RaglineConfiguration) throws -> PineconeConfiguration {
        guard !configuration.pinecone.apiKey.isEmpty else {
            throw ConfigurationError(setting: Settings.pineconeAPIKey, problem: "must be set to use Pinecone")
        }
        return configuration.pinecone
    }

    /// The embedded index; bound to `embedder`'s model when given (nil: read it, as counts do).
    public static func localIndex(_ configuration: RaglineConfiguration, embedder: (any Embedder)? = nil) throws -> LocalVectorIndex {
        try LocalVectorIndex(directory: configuration.indexDirectory, model: embedder.map { EmbeddingModel(of: $0) })
    }

    public static func chatModel(_ configuration: RaglineConfiguration) throws -> any ChatModel {
        switch configuration.providers.chatModel {
        case "extractive":
            return ExtractiveChatModel()
        case "openai":
            var model = configuration.llm
            model.apiKey = model.apiKey ?? configuration.providers.huggingFaceToken
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

    public static func folderStore(_ configuration: RaglineConfiguration) -> FolderObjectStore {
        FolderObjectStore(root: configuration.knowledgeDirectory)
    }

    public static func s3Client(_ configuration: RaglineConfiguration) throws -> S3Client {
        let aws = configuration.aws
        return S3Client(region: aws.region, endpoint: aws.s3EndpointURL, pathStyle: aws.s3ForcePathStyle, credentials: try awsCredentials(configuration))
    }

    public static func objectStore(_ configuration: RaglineConfiguration) throws -> any ObjectStore {
        switch configuration.providers.objectStore {
        case "folder": return folderStore(configuration)
        case "s3": return S3ObjectStore(client: try s3Client(configuration))
        case let other:
            throw ConfigurationError(setting: Settings.objectStore, problem: "names an unknown object store \"\(other)\"; known: folder, s3")
        }
    }

    /// The SQS event source, or nil when events come from the Kafka topic.
    public static func ingestEventSource(_ configuration: RaglineConfiguration, logger: Logger) throws -> (any IngestEventSource)? {
        let aws = configuration.aws
        switch configuration.providers.ingestSource {
        case "kafka": return nil
        case "sqs":
            guard let queueURL = aws.sqsQueueURL else {
                throw ConfigurationError(setting: Settings.sqsQueueURL, problem: "must be set when RAGLINE_INGEST_SOURCE=sqs")
            }
            let client = SQSClient(queueURL: queueURL, region: aws.region, credentials: try awsCredentials(configuration))
            return SQSIngestEventSource(client: client, waitSeconds: aws.sqsWaitTimeSeconds, visibilityTimeout: aws.sqsVisibilityTimeoutSeconds, logger: logger)
        case let other:
            throw ConfigurationError(setting: Settings.ingestSource, problem: "names an unknown event source \"\(other)\"; known: kafka, sqs")
        }
    }

    static func awsCredentials(_ configuration: RaglineConfiguration) throws -> any AWSCredentialProvider {
        let aws = configuration.aws
        if let key = aws.accessKeyID {
            guard let secret = aws.secretAccessKey else {
                throw ConfigurationError(setting: Settings.awsSecretAccessKey, problem: "must be set with AWS_ACCESS_KEY_ID")
            }
            return StaticCredentialProvider(AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: aws.sessionToken))
        }
        guard let provider = AWSCredentialChain.provider() else {
            throw ConfigurationError(setting: Settings.awsAccessKeyID, problem: "is not set and there is no container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI): S3 and SQS need credentials")
        }
        return provider
    }
}
