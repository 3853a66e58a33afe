/// Kafka topic names (DESIGN 4). Every arrow between services is one of these.
public enum Topics {
    public static let questions = "rag.questions"
    public static let retrievals = "rag.retrievals"
    public static let answers = "rag.answers"
    public static let ingestEvents = "rag.ingest.events"
    /// Compacted, keyed by namespace: each namespace's latest `KnowledgeModel` (IngestWorker -> every Retriever).
    public static let knowledgeModels = "rag.knowledge.models"
    /// Keyed by question id: customers' ratings of answers (Gateway -> the operator's reports).
    public static let feedback = "rag.feedback"
    /// Keyed by question id: pieces of answers being written, for streaming clients (Responder -> Gateways).
    public static let answerDeltas = "rag.answer.deltas"
    /// Keyed by object key: what applying each knowledge object did, a `KnowledgeIngested` report
    /// (IngestWorker -> operators, and CI pipelines through the optional webhook).
    public static let ingestReports = "rag.ingest.reports"

    /// The dead-letter topic of `topic`.
    public static func deadLetter(of topic: String) -> String { topic + ".dlq" }

    public static let all = [questions, retrievals, answers, ingestEvents, feedback, answerDeltas, ingestReports]
    /// Every topic to create: the pipeline's, their dead-letter topics, and the compacted state topics.
    public static let allWithDeadLetters = all + all.map(deadLetter(of:)) + [knowledgeModels]
    /// Topics whose records are state keyed by id (`cleanup.policy=compact`): only the latest per key matters.
    public static let compacted: Set<String> = [knowledgeModels]
    /// Their topic configuration: compaction, and room for a large namespace's model (classifier weights).
    /// 8 MiB is MSK Serverless's largest `max.message.bytes`.
    public static let compactedTopicConfigs = ["cleanup.policy": "compact", "max.message.bytes": "8388608"]
}

/// CloudEvents `type` attribute of each event.
public enum EventTypes {
    public static let questionAsked = "io.ragline.question.asked.v1"
    public static let contextRetrieved = "io.ragline.context.retrieved.v1"
    public static let answerReady = "io.ragline.answer.ready.v1"
    public static let knowledgeModelUpdated = "io.ragline.knowledge.model.updated.v1"
    public static let feedbackGiven = "io.ragline.feedback.given.v1"
    public static let answerDelta = "io.ragline.answer.delta.v1"
    public static let knowledgeIngested = "io.ragline.knowledge.ingested.v1"
    public static let objectNotification = "com.amazonaws.s3.notification"
}

/// Consumer group of each role.
public enum ConsumerGroups {
    public static let retriever = "ragline-retriever"
    public static let responder = "ragline-responder"
    public static let ingestWorker = "ragline-ingest-worker"
    /// Each retriever process reads every knowledge model from the start of the compacted topic: a group of
    /// its own, new at every start (a restart with the same instance id must not resume after the last model).
    public static func retrieverModels(instance: String) -> String { "ragline-retriever-models-\(instance)" }
    /// Shared by all gateways: exactly one instance delivers each callback.
    public static let gatewayCallbacks = "ragline-gateway-callbacks"
    /// Each gateway instance reads every answer for its waiting and polling clients.
    public static func gatewayAnswers(instance: String) -> String { "ragline-gateway-answers-\(instance)" }
    /// Each gateway instance reads every answer delta, from now on, for the streams it holds.
    public static func gatewayDeltas(instance: String) -> String { "ragline-gateway-deltas-\(instance)" }
}
