/// Kafka topic names (DESIGN 4). Every arrow between services is one of these.
public enum Topics {
    public static let questions = "rag.questions"
    public static let retrievals = "rag.retrievals"
    public static let answers = "rag.answers"
    public static let ingestEvents = "rag.ingest.events"

    /// The dead-letter topic of `topic`.
    public static func deadLetter(of topic: String) -> String { topic + ".dlq" }

    public static let all = [questions, retrievals, answers, ingestEvents]
    public static let allWithDeadLetters = all + all.map(deadLetter(of:))
}

/// CloudEvents `type` attribute of each event.
public enum EventTypes {
    public static let questionAsked = "io.ragline.question.asked.v1"
    public static let contextRetrieved = "io.ragline.context.retrieved.v1"
    public static let answerReady = "io.ragline.answer.ready.v1"
    public static let objectNotification = "com.amazonaws.s3.notification"
}

/// Consumer group of each role.
public enum ConsumerGroups {
    public static let retriever = "ragline-retriever"
    public static let responder = "ragline-responder"
    public static let ingestWorker = "ragline-ingest-worker"
    /// Shared by all gateways: exactly one instance delivers each callback.
    public static let gatewayCallbacks = "ragline-gateway-callbacks"
    /// Each gateway instance reads every answer for its waiting and polling clients.
    public static func gatewayAnswers(instance: String) -> String { "ragline-gateway-answers-\(instance)" }
}
