import AWS
import Configuration
import Foundation
import Gateway
import IngestWorker
import MiniLM
import OpenAICompatible
import OperatorReports
import Pinecone
import RAGCore
import Responder
import Retriever

/// All of Ragline's configuration, read once at start from a `ConfigReader` (environment variables, and
/// the same keys from a config file): one section per owner, each reading and documenting its own
/// settings (`ConfigurationSection`). Only the process-wide settings live here.
public struct RaglineConfiguration: Sendable {
    /// `RAGLINE_DATA_DIR`: everything the embedded defaults keep (index, knowledge folder, broker address).
    public var dataDirectory = "./data"
    /// `RAGLINE_LOG_LEVEL`.
    public var logLevel = "info"
    public var kafka = KafkaSettings()
    public var providers = ProviderSelection()
    public var gateway = GatewayConfiguration()
    public var retriever = RetrieverConfiguration()
    public var responder = ResponderConfiguration()
    public var ingest = IngestWorkerConfiguration()
    /// Answer selection (grouping, fusion, thresholds), shared by the retriever, the responder and the
    /// ingest worker's model fitting.
    public var scoring = AnswerScoring.default
    public var miniLM = MiniLMConfiguration()
    public var llm = OpenAICompatibleConfiguration()
    public var embeddings = HostedEmbeddingsConfiguration()
    public var pinecone = PineconeConfiguration.default
    public var aws = AWSConfiguration()
    public var localKnowledge = LocalKnowledgeConfiguration()
    /// `ragline gaps` and `ragline feedback-report`.
    public var reports = OperatorReportsConfiguration()

    public static let `default` = RaglineConfiguration()

    public init() {}

    /// Reads every section; what is not set keeps its default. Throws one clear line for a bad value.
    public init(reader: ConfigReader) throws {
        dataDirectory = reader.string(Settings.dataDirectory, default: Self.default.dataDirectory)
        logLevel = reader.string(Settings.logLevel, default: Self.default.logLevel)
        kafka = try KafkaSettings(reader: reader)
        providers = try ProviderSelection(reader: reader)
        gateway = try GatewayConfiguration(reader: reader)
        retriever = try RetrieverConfiguration(reader: reader)
        responder = try ResponderConfiguration(reader: reader)
        ingest = try IngestWorkerConfiguration(reader: reader)
        scoring = try AnswerScoring(reader: reader)
        miniLM = try MiniLMConfiguration(reader: reader)
        llm = try OpenAICompatibleConfiguration(reader: reader)
        embeddings = try HostedEmbeddingsConfiguration(reader: reader)
        pinecone = try PineconeConfiguration(reader: reader)
        aws = try AWSConfiguration(reader: reader)
        localKnowledge = try LocalKnowledgeConfiguration(reader: reader)
        reports = try OperatorReportsConfiguration(reader: reader)
        // One admin port setting; each role keeps its own default so that roles can share a host.
        if reader.isSet(Settings.adminPort) {
            let port = try reader.port(Settings.adminPort, default: 0, allowZero: true)
            retriever.adminPort = port
            responder.adminPort = port
            ingest.adminPort = port
        }
        // The roles share one answer selection.
        retriever.scoring = scoring
        responder.scoring = scoring
    }

    /// Where `ragline broker` publishes its bootstrap address for roles started without `KAFKA_BROKERS`.
    public var brokerAddressFile: String { (dataDirectory as NSString).appendingPathComponent("kafka-bootstrap") }
    public var knowledgeDirectory: String { (dataDirectory as NSString).appendingPathComponent("knowledge") }
    public var indexDirectory: String { (dataDirectory as NSString).appendingPathComponent("index") }
}

extension Settings {
    public static let dataDirectory = Setting("ragline.data.dir", default: RaglineConfiguration.default.dataDirectory, roles: "all", "Folder for everything the embedded defaults keep: index, knowledge folder, broker address.")
    public static let logLevel = Setting("ragline.log.level", default: RaglineConfiguration.default.logLevel, roles: "all", "trace, debug, info, notice, warning, error, critical.")
    public static let adminPort = Setting(
        "ragline.admin.port",
        default: "\(RetrieverConfiguration.default.adminPort) / \(ResponderConfiguration.default.adminPort) / \(IngestWorkerConfiguration.default.adminPort)",
        roles: "retriever / responder / ingest-worker", "Port of `/healthz`, `/readyz`, `/metrics` for roles without the API (0 turns it off)."
    )

    /// Every setting, section by section: the README's configuration table and `ragline settings`.
    public static var all: [Setting] {
        [dataDirectory, logLevel, adminPort] + GatewayConfiguration.settings + KafkaSettings.settings + ProviderSelection.settings
            + MiniLMConfiguration.settings + HostedEmbeddingsConfiguration.settings + PineconeConfiguration.settings + RetrieverConfiguration.settings
            + AnswerScoring.settings + OpenAICompatibleConfiguration.settings + ResponderConfiguration.settings + IngestWorkerConfiguration.settings
            + AWSConfiguration.settings + LocalKnowledgeConfiguration.settings + OperatorReportsConfiguration.settings
    }

    /// The README's configuration table.
    public static func markdownTable() -> String {
        var lines = ["| variable | default | roles | what it does |", "| --- | --- | --- | --- |"]
        for setting in all {
            let defaultText = setting.defaultDescription.contains("`") || setting.defaultDescription.hasPrefix("(")
                ? setting.defaultDescription : "`\(setting.defaultDescription)`"
            lines.append("| `\(setting.environmentVariable)` | \(defaultText) | \(setting.roles) | \(setting.summary) |")
        }
        return lines.joined(separator: "\n")
    }
}
