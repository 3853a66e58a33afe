import Foundation
import Hummingbird
import Kafka
import Logging
import Messaging
import Metrics
import NIOCore
import Prometheus
import RAGCore
import ServiceLifecycle
import Synchronization
import Tracing

/// The Gateway role (DESIGN 6): the HTTP API, which publishes questions to `rag.questions` and answers
/// from the `AnswerStore`; the answer listener that fills the store; and the callback dispatcher. It owns
/// all three and its readiness: ready when the listener's partitions of `rag.answers` are assigned (an
/// event of the rebalance), stopping at shutdown, when the HTTP server drains first and the listener,
/// which its waiting requests need, stops last.
public struct GatewayService: Service {
    let configuration: GatewayConfiguration
    let publisher: EventPublisher
    let store: AnswerStore
    let answers: any RecordStream
    let callbacks: any RecordStream
    /// This instance's reading of `rag.answer.deltas` from now on, for the answers it streams (nil: streams
    /// get the whole answer at its end).
    let deltas: (any RecordStream)?
    let streams = AnswerStreams()
    let dispatcher: CallbackDispatcher
    let readiness: Readiness
    /// Readiness of the other roles in this process, reported by `/readyz` too.
    let otherReadiness: [Readiness]
    let registry: PrometheusCollectorRegistry
    let callbackPolicy: CallbackTargetPolicy
    let logger: Logger
    let onServerRunning: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - answers: this instance's own reading of `rag.questions` and `rag.answers`, from their ends.
    ///   - callbacks: the group every gateway shares on `rag.answers`, for callbacks.
    public init(
        configuration: GatewayConfiguration, publisher: EventPublisher, store: AnswerStore, answers: any RecordStream, callbacks: any RecordStream,
        deltas: (any RecordStream)? = nil, callbackSigner: CallbackSigner, readiness: Readiness, otherReadiness: [Readiness] = [], registry: PrometheusCollectorRegistry, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        var logger = logger
        logger[metadataKey: LogKeys.role] = "gateway"
        self.configuration = configuration
        self.publisher = publisher
        self.store = store
        self.answers = answers
        self.callbacks = callbacks
        self.deltas = deltas
        // Publishing needs a broker that answers: `/readyz` and new questions are refused at once without one.
        let sink = publisher.producer
        readiness.addCheck("kafka") { sink.isReachable }
        self.callbackPolicy = CallbackTargetPolicy(allowedHosts: configuration.callbackAllowedHosts)
        self.dispatcher = CallbackDispatcher(
            consumer: callbacks, publisher: publisher, signer: callbackSigner, policy: callbackPolicy,
            configuration: configuration, logger: logger
        )
        self.readiness = readiness
        self.otherReadiness = otherReadiness
        self.registry = registry
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        let readiness = self.readiness
        let answers = self.answers
        let callbacks = self.callbacks
        let catchUp = CatchUp()
        let listener = AnswerListener(consumer: answers, store: store, catchUp: catchUp, streams: streams)
        let deltas = self.deltas
        let deltaListener = deltas.map { DeltaListener(consumer: $0, streams: streams) }
        let logger = self.logger
        let dispatcher = self.dispatcher
        let onServerRunning = self.onServerRunning
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ragline"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                do {
                    try await answers.run()
                } catch {
                    logger.error("answer consumer stopped", metadata: [LogKeys.error: "\(error)"])
                }
            }
            group.addTask { await listener.run() }
            if let deltas, let deltaListener {
                group.addTask {
                    do {
                        try await deltas.run()
                    } catch {
                        logger.error("delta consumer stopped", metadata: [LogKeys.error: "\(error)"])
                    }
                }
                group.addTask { await deltaListener.run() }
            }
            group.addTask { await dispatcher.run() }
            group.addTask {
                // Ready when it can do its whole job: answers reach its store, its share of the callbacks
                // is assigned (possibly none, with more gateways than partitions), and a broker answers.
                // The answers of the async window published before it started are in its store first.
                await catchUp.wait(for: answers, topic: Topics.answers, logger: logger)
                _ = await callbacks.waitUntilFetching(within: .seconds(10))
                // Streams need every delta published from now on: its delta reader has its partitions.
                await deltas?.waitForAssignment(of: Topics.answerDeltas)
                readiness.markReady()
            }
            do {
                try await withGracefulShutdownHandler {
                    try await app.run()
                } onGracefulShutdown: {
                    readiness.markStopping()
                }
            } catch {
                await answers.shutdown()
                await deltas?.shutdown()
                group.cancelAll()
                throw error
            }
            // Requests waiting for answers are done: the listeners may stop now. A gateway stopped before
            // it was ready still waits for readiness: cancelled, that wait ends too.
            await answers.shutdown()
            await deltas?.shutdown()
            group.cancelAll()
        }
    }

    /// Every route `makeRouter` adds, the health routes included: a 405 names the methods of its path.
    static let routes = RouteTable([
        (.get, "/"), (.get, "/openapi.json"), (.get, "/healthz"), (.get, "/readyz"), (.get, "/metrics"),
        (.post, "/v1/chat"), (.post, "/v1/questions"), (.get, "/v1/questions/:id"),
        (.post, "/v1/chat/completions"), (.get, "/v1/models"), (.post, "/v1/questions/:id/feedback"),
    ])

    public func makeRouter() -> Router<BasicRequestContext> {
        // HEAD of every GET route (RFC 9110 9.1: servers must support HEAD), its body left out.
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestMetricsMiddleware())
        // Every error a JSON body, 404 and 405 included; inside the metrics, so that they count its statuses.
        router.add(middleware: JSONErrorMiddleware(routes: Self.routes))
        HealthRoutes.add(to: router, readiness: [readiness] + otherReadiness, registry: registry)
        // Public like the health routes: the page asks with the key its user types, the document has no secrets.
        router.get("/") { _, _ in StaticDocuments.chatPageResponse() }
        router.get("openapi.json") { _, _ in StaticDocuments.openAPIResponse() }
        let api = router.group("v1")
        // A server span per API request (the health and metrics routes get none). The question's publish
        // runs in the request's task, so its producer span, and the whole pipeline, are children of it.
        // Only with a tracer: with none, the middleware's no-op span still cost attributes built and thrown
        // away, a closure around every body (which loses Hummingbird's one-write response) and locks.
        if !(InstrumentationSystem.tracer is NoOpTracer) {
            api.add(middleware: TracingMiddleware())
        }
        if !configuration.apiKeys.isEmpty {
            api.add(middleware: APIKeyMiddleware(keys: configuration.apiKeys))
        }
        // After the key check, so that a client is its (valid) key and refused requests cost no token.
        if configuration.rateLimitPerSecond > 0 {
            let limiter = RateLimiter(
                rate: configuration.rateLimitPerSecond, burst: configuration.effectiveRateLimitBurst, capacity: max(1, configuration.rateLimitMaxBuckets)
            )
            api.add(middleware: RateLimitMiddleware(limiter: limiter, keyedByAPIKey: !configuration.apiKeys.isEmpty))
        }
        api.post("chat") { request, context in try await chat(request, context: context) }
        api.post("questions") { request, context in try await ask(request, context: context) }
        api.get("questions/:id") { _, context in try await poll(context) }
        api.post("questions/:id/feedback") { request, context in try await feedback(request, context: context) }
        api.post("chat/completions") { request, context in try await chatCompletions(request, context: context) }
        api.get("models") { _, _ in try models() }
        return router
    }

    func chat(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var parsed = try await parse(request, allowCallback: false)
        if Self.accepts(eventStream: request.headers[.accept]) { parsed.stream = true }
        guard parsed.stream else {
            return try json(AnswerBody(try await askAndWait(parsed)), status: .ok)
        }
        return try await streamedChat(parsed)
    }

    /// Whether an `Accept` header asks for `text/event-stream`: a media range of that type whose quality is
    /// not 0 (`text/event-stream;q=0` refuses it).
    static func accepts(eventStream accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { range in
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "text/event-stream" else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
    }

    /// `POST /v1/chat` as server-sent events: `references` (the entries the answer rests on, as soon as the
    /// responder has them), `delta` (`{"text"}` pieces as the model writes them), then `answer` (the body of
    /// a whole answer, whatever its status), or `error` (no answer before the deadline).
    func streamedChat(_ parsed: QuestionRequest) async throws -> Response {
        let question = makeQuestion(parsed, timeout: configuration.chatTimeout)
        let timeout = configuration.chatTimeout
        return try await eventStream(question) { writer, events in
            var sentReferences = false
            var streamed = ""
            for await event in events {
                switch event {
                case .delta(let delta) where delta.kind == .references:
                    try await writer.write(ServerSentEvent.encode("references", ["references": delta.references ?? []]))
                    sentReferences = true
                case .delta(let delta):
                    try await writer.write(ServerSentEvent.encode("delta", ["text": delta.text ?? ""]))
                    streamed += delta.text ?? ""
                case .answer(let answer):
                    // Decided without a model (no_match, clarify), or deltas still on their way (another topic):
                    // the answer fills in what the deltas have not said.
                    if !sentReferences { try await writer.write(ServerSentEvent.encode("references", ["references": answer.references])) }
                    if let rest = AnswerStreams.remainder(of: answer.answer, after: streamed) {
                        try await writer.write(ServerSentEvent.encode("delta", ["text": rest]))
                    }
                    try await writer.write(ServerSentEvent.encode("answer", AnswerBody(answer)))
                    return
                }
            }
            // The question's deadline passed without an answer: it has expired, and the stream says so the way
            // the pipeline would have (an `expired` answer), so that every stream ends with `answer`.
            let expired = AnswerReady.unanswered(question, status: .expired, reason: "no answer within \(timeout)")
            if !sentReferences { try await writer.write(ServerSentEvent.encode("references", ["references": [AnswerReference]()])) }
            try await writer.write(ServerSentEvent.encode("answer", AnswerBody(expired)))
        }
    }

    /// A server-sent-events response for `question`: subscribed to its deltas and answer, then published (so
    /// that a refusal is still an HTTP error and nothing is missed); `render` writes the events, which end
    /// with the answer or at the chat deadline. A client that goes away frees the subscription at once.
    func eventStream(
        _ question: QuestionAsked,
        render: @escaping @Sendable (inout any ResponseBodyWriter, AsyncStream<AnswerStreams.Event>) async throws -> Void
    ) async throws -> Response {
        let streams = self.streams
        let (token, events) = await streams.subscribe(question.id)
        do {
            try await publish(question)
        } catch {
            await streams.unsubscribe(question.id, token)
            throw error
        }
        let timeout = configuration.chatTimeout
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                let deadline = Task {
                    try await Task.sleep(for: timeout)
                    await streams.unsubscribe(question.id, token)
                }
                defer { deadline.cancel() }
                do {
                    try await render(&writer, events)
                } catch {
                    await streams.unsubscribe(question.id, token)
                    throw error
                }
                await streams.unsubscribe(question.id, token)
                try await writer.finish(nil)
            }
        )
    }

    func ask(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let parsed = try await parse(request, allowCallback: true)
        let question = makeQuestion(parsed, timeout: configuration.asyncTimeout)
        try await publish(question)
        // After the broker has it (a refused question takes no place in the store); an answer that came
        // first is kept, since recording a question as pending never overwrites one.
        store.recordPending(question.id)
        let statusURL = "/v1/questions/\(question.id)"
        // Written directly (the front door's hottest response): the id is a UUID this gateway made, so it
        // needs no escaping, and the keys are in the sorted order every other body has.
        let body = #"{"id":""# + question.id + #"","status":"\#(AnswerStatus.pending.rawValue)","status_url":""# + statusURL + #""}"#
        return Response(
            status: .accepted, headers: [.contentType: "application/json", .location: statusURL], body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }

    func poll(_ context: BasicRequestContext) async throws -> Response {
        let id = try questionID(context)
        switch store.lookup(id) {
        case .answered(let answer): return try json(AnswerBody(answer), status: .ok)
        case .pending: return try json(AnswerBody.pending(id: id), status: .ok)
        case .unknown: throw APIError(.notFound, code: "not_found", message: "no question with id \(id) is known to this service (answers are kept for a limited time)")
        }
    }

    /// The `{id}` of a question path, or 400.
    func questionID(_ context: BasicRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == "-") }) else {
            throw APIError.invalid("question id \(id.prefix(64)) is not a valid id")
        }
        // Ids are lowercase UUIDs; Swift's `uuidString` and others write them uppercase.
        return id.lowercased()
    }

    /// `POST /v1/questions/{id}/feedback` `{"rating": "up"|"down", "comment"?}`: 202 once `rag.feedback` has
    /// it, with the answer's status and references; 404 for a question this gateway does not know, 409 for
    /// one not answered yet.
    func feedback(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let id = try questionID(context)
        let (rating, comment) = try Self.parseFeedback(try await readJSONBody(request))
        let answer: AnswerReady
        switch store.lookup(id) {
        case .answered(let found): answer = found
        case .pending: throw APIError(.conflict, code: "not_answered", message: "question \(id) has no answer yet; rate it once GET /v1/questions/\(id) answers")
        case .unknown: throw APIError(.notFound, code: "not_found", message: "no question with id \(id) is known to this service (answers are kept for a limited time)")
        }
        let given = FeedbackGiven(questionID: id, rating: rating, comment: comment, status: answer.status, references: answer.references, givenAt: Date())
        do {
            try await publisher.publish(given, type: EventTypes.feedbackGiven, topic: Topics.feedback, key: id, trace: .random(), waitingAtMost: configuration.publishTimeout)
        } catch {
            throw APIError(.serviceUnavailable, code: "queue_unavailable", message: "the feedback could not be recorded; try again", headers: Self.retryAfter)
        }
        return try json(["id": id, "status": "accepted"], status: .accepted)
    }

    static let maxFeedbackComment = 2_000

    static func parseFeedback(_ body: Data) throws(APIError) -> (FeedbackGiven.Rating, String?) {
        guard case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            throw .invalid("send a JSON object {\"rating\": \"up\" or \"down\", \"comment\": \"...\"}")
        }
        guard case .string(let text)? = fields["rating"], let rating = FeedbackGiven.Rating(rawValue: text) else {
            throw .invalid("field \"rating\" must be \"up\" or \"down\"")
        }
        switch fields["comment"] {
        case nil, .null?:
            return (rating, nil)
        case .string(let comment)?:
            guard comment.count <= maxFeedbackComment else {
                throw APIError(.contentTooLarge, code: "comment_too_long", message: "field \"comment\" has \(comment.count) characters; the limit is \(maxFeedbackComment)")
            }
            if let control = comment.unicodeScalars.first(where: QuestionRequest.isRefusedControl) {
                throw .invalid("field \"comment\" contains the control character \(QuestionRequest.codePoint(control))")
            }
            return (rating, comment.isEmpty ? nil : comment)
        case let other?:
            throw .invalid("field \"comment\" must be a string, not \(other.typeName)")
        }
    }

    private func parse(_ request: Request, allowCallback: Bool) async throws -> QuestionRequest {
        let body = try await readJSONBody(request)
        return try QuestionRequest.parse(body, limits: questionLimits, allowCallback: allowCallback, callbackPolicy: callbackPolicy)
    }

    /// The body of a JSON request: 415 for another content type, 413 past `maxBodyBytes`.
    func readJSONBody(_ request: Request) async throws -> Data {
        try QuestionRequest.checkContentType(request.headers[.contentType])
        do {
            return Data(try await request.body.collect(upTo: configuration.maxBodyBytes).readableBytesView)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "request body exceeds \(configuration.maxBodyBytes) bytes")
        }
    }

    var questionLimits: QuestionRequest.Limits {
        QuestionRequest.Limits(maxQuestionLength: configuration.maxQuestionLength, defaultTopK: configuration.defaultTopK, maxTopK: configuration.maxTopK)
    }

    /// Publishes the question and waits for its answer until the chat deadline: what `/v1/chat` and
    /// `/v1/chat/completions` do. The wait starts first, so the answer cannot arrive before anyone listens
    /// for it; when publishing fails, leaving the scope cancels the wait and the refusal goes out at once.
    func askAndWait(_ parsed: QuestionRequest) async throws -> AnswerReady {
        let question = makeQuestion(parsed, timeout: configuration.chatTimeout)
        async let answer = store.wait(for: question.id, timeout: configuration.chatTimeout)
        try await publish(question)
        guard let ready = await answer else {
            throw APIError(.gatewayTimeout, code: "deadline_exceeded", message: "no answer within \(configuration.chatTimeout); poll GET /v1/questions/\(question.id)", extra: ["id": question.id])
        }
        return ready
    }

    func makeQuestion(_ parsed: QuestionRequest, timeout: Duration, stream: Bool? = nil) -> QuestionAsked {
        let now = Date()
        return QuestionAsked(
            id: RandomIDs.uuid(), question: parsed.question, namespace: parsed.namespace, topK: parsed.topK,
            askedAt: now, deadline: now.addingTimeInterval(timeout.milliseconds / 1000), callbackURL: parsed.callbackURL?.absoluteString,
            stream: (stream ?? parsed.stream) ? true : nil
        )
    }

    /// Publishes the question, or refuses with 503 at once when the gateway is not ready or no broker
    /// answers, and after `publishTimeout` at most when the broker does not acknowledge it in time. A
    /// refused question may still reach Kafka later (the send cannot be recalled): its answer then goes
    /// to `rag.answers` like any other, and a client that retries asks anew under a new id.
    func publish(_ question: QuestionAsked) async throws {
        guard readiness.current == .ready else {
            let state = readiness.current
            let reason = state == .unavailable ? "cannot reach \(readiness.failingChecks.joined(separator: ", "))" : "is \(state.rawValue)"
            throw APIError(.serviceUnavailable, code: state == .unavailable ? "queue_unavailable" : "not_ready", message: "the gateway \(reason); try again shortly", headers: Self.retryAfter)
        }
        do {
            try await publisher.publish(
                question, type: EventTypes.questionAsked, topic: Topics.questions, key: question.id, trace: .random(),
                partitioning: .batched, waitingAtMost: configuration.publishTimeout
            )
            return
        } catch let error as KafkaError where error.code == .timedOut {
            logger.error("question not acknowledged in time", metadata: [LogKeys.questionID: "\(question.id)", "timeout": "\(configuration.publishTimeout)"])
        } catch {
            logger.error("could not publish question", metadata: [LogKeys.questionID: "\(question.id)", LogKeys.error: "\(error)"])
        }
        throw APIError(.serviceUnavailable, code: "queue_unavailable", message: "the question could not be queued; try again", headers: Self.retryAfter)
    }

    static let retryAfter: HTTPFields = [.retryAfter: "1"]

    private func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONEncoder.answers.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `Authorization: Bearer <key>` on `/v1/*` when API keys are configured.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              keys.contains(String(header.dropFirst("Bearer ".count)))
        else {
            throw APIError(.unauthorized, code: "unauthorized", message: "send a valid API key as Authorization: Bearer <key>")
        }
        return try await next(request, context)
    }
}
