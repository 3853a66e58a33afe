/// Span attribute keys, in one place (as `LogKeys` for logs): OpenTelemetry semantic conventions where one
/// exists, `ragline.*` otherwise.
public enum SpanKeys {
    public static let messagingSystem = "messaging.system"
    public static let messagingDestination = "messaging.destination.name"
    public static let messagingOperationType = "messaging.operation.type"
    public static let messagingMessageID = "messaging.message.id"
    public static let messagingPartition = "messaging.destination.partition.id"
    public static let kafkaOffset = "messaging.kafka.offset"
    public static let kafkaMessageKey = "messaging.kafka.message.key"
    /// The model asked (an embedder's or a chat model's id).
    public static let model = "gen_ai.request.model"
    public static let genAIOperation = "gen_ai.operation.name"
    public static let inputTokens = "gen_ai.usage.input_tokens"
    public static let outputTokens = "gen_ai.usage.output_tokens"
    public static let serverAddress = "server.address"
    public static let httpMethod = "http.request.method"
    public static let httpStatus = "http.response.status_code"
    public static let questionID = "ragline.question_id"
    /// 1 for the first try of a record or request, then 2, 3...
    public static let attempt = "ragline.attempt"
    public static let namespace = "ragline.namespace"
    public static let topK = "ragline.top_k"
    public static let candidates = "ragline.candidates"
    public static let decision = "ragline.decision"
    public static let status = "ragline.status"
}
