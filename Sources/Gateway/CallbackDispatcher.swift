import AsyncHTTPClient
import Foundation
import Kafka
import Logging
import Messaging
import Metrics
import NIOCore
import RAGCore
import Tracing

/// Delivers answers to their `callback_url`. All gateways share one consumer group, so each answer's
/// callback is sent by exactly one instance (more than once only after a crash: receivers deduplicate on
/// `webhook-id`). Failed deliveries are retried with backoff; after the last attempt the answer is
/// dead-lettered with the reason. Part of `GatewayService`, which runs it.
struct CallbackDispatcher: Sendable {
    let loop: ConsumerLoop
    let publisher: EventPublisher
    let signer: CallbackSigner
    let policy: CallbackTargetPolicy
    let retry: RetryPolicy
    let logger: Logger
    let delivered = Counter(label: "ragline_callbacks_delivered_total")
    let abandoned = Counter(label: "ragline_callbacks_failed_total")

    let configuration: GatewayConfiguration
    let deliveredIDs: DeliveredCallbacks
    let skipped = Counter(label: "ragline_callbacks_duplicates_skipped_total")

    init(consumer: any RecordStream, publisher: EventPublisher, signer: CallbackSigner, policy: CallbackTargetPolicy, configuration: GatewayConfiguration, logger: Logger) {
        self.loop = ConsumerLoop(consumer: consumer, logger: logger)
        self.publisher = publisher
        self.signer = signer
        self.policy = policy
        self.configuration = configuration
        self.deliveredIDs = DeliveredCallbacks(capacity: configuration.deliveredCallbacksRemembered)
        self.retry = RetryPolicy(
            maxAttempts: configuration.callbackMaxAttempts, initialDelay: configuration.callbackRetryDelays.lowerBound, maxDelay: configuration.callbackRetryDelays.upperBound
        )
        self.logger = logger
    }

    /// Delivers until graceful shutdown, then lets the deliveries in flight finish.
    func run() async {
        let clients = CallbackClients(timeout: .init(connect: .init(configuration.callbackConnectTimeout), read: .init(configuration.callbackReadTimeout)))
        await loop.run { message in
            try await handle(message, clients: clients)
        }
        await clients.shutdown()
    }

    func handle(_ message: KafkaConsumerMessage, clients: CallbackClients) async throws {
        // Every answer comes by here, and most have no callback: only where it goes is read first.
        guard case .success(let callback) = IncomingEvent<AnswerReady.CallbackTarget>.decode(message, expectedType: EventTypes.answerReady),
              callback.payload.callbackURL != nil,
              case .success(let event) = IncomingEvent<AnswerReady>.decode(message, expectedType: EventTypes.answerReady),
              let target = event.payload.callbackURL, let url = URL(string: target), let host = url.host
        else { return }
        let answer = event.payload
        // At least once in principle, once in practice: a repeat of an answer this gateway already called
        // back (re-read after a stall, or recomputed after a role restart) is dropped.
        guard !deliveredIDs.contains(answer.id) else {
            skipped.increment()
            logger.debug("callback already delivered; repeat dropped", metadata: [LogKeys.questionID: "\(answer.id)"])
            return
        }
        let address: String?
        switch await policy.target(of: url) {
        case .refused(let refusal):
            logger.warning("callback refused", metadata: [LogKeys.questionID: "\(answer.id)", "reason": "\(refusal)"])
            abandoned.increment()
            try await publisher.deadLetter(message, reason: refusal, stage: "gateway.callback")
            deliveredIDs.insert(answer.id)
            return
        case .allowed(let checked):
            address = checked
        }
        let body = try JSONEncoder.answers.encode(AnswerBody(answer))
        do {
            try await retry.run(shouldRetry: CallbackError.isRetriable) { attempt in
                // Asked each attempt: a client retired meanwhile is replaced, pinned to the same address.
                let client = await clients.client(host: host, address: address)
                // One client span per attempt, a child of the "rag.answers process" span; its context goes to
                // the receiver as `traceparent`.
                try await withSpan("callback POST", ofKind: .client) { span in
                    span.attributes[SpanKeys.httpMethod] = "POST"
                    span.attributes[SpanKeys.serverAddress] = host
                    span.attributes[SpanKeys.questionID] = answer.id
                    span.attributes[SpanKeys.attempt] = attempt
                    try await post(body, id: answer.id, to: target, client: client, attempt: attempt, span: span)
                }
            }
            delivered.increment()
            deliveredIDs.insert(answer.id)
        } catch {
            logger.error("callback abandoned after retries", metadata: [LogKeys.questionID: "\(answer.id)", LogKeys.error: "\(error)"])
            abandoned.increment()
            // A status that is not retried ends delivery at its attempt; other failures used every attempt.
            let attempts = (error as? CallbackError)?.attempt ?? retry.maxAttempts
            try await publisher.deadLetter(message, reason: "callback failed: \(error)", stage: "gateway.callback", attempts: attempts)
            deliveredIDs.insert(answer.id)
        }
    }

    func post(_ body: Data, id: String, to target: String, client: HTTPClient, attempt: Int, span: any Span) async throws {
        var request = HTTPClientRequest(url: target)
        request.method = .POST
        var traceContext: [String: String] = [:]
        InstrumentationSystem.instrument.inject(span.context, into: &traceContext, using: HeaderDictionaryInjector())
        for (name, value) in traceContext { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ragline-callbacks/1")
        for (name, value) in signer.headers(id: id, body: body) { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .init(configuration.callbackRequestTimeout))
        span.attributes[SpanKeys.httpStatus] = Int(response.status.code)
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw CallbackError(status: Int(response.status.code), attempt: attempt)
        }
    }
}

/// HTTP clients for callback hosts, each pinned (AsyncHTTPClient's `dnsOverride`) to the address the
/// target policy checked, while TLS still verifies the host's name. A host whose checked address changes
/// gets a new client; the least recently used are closed beyond `capacity`.
actor CallbackClients {
    private struct Entry {
        var address: String?
        var client: HTTPClient
        var lastUsed: UInt64
    }

    private let capacity: Int
    private let timeout: HTTPClient.Configuration.Timeout
    private var entries: [String: Entry] = [:]
    private var uses: UInt64 = 0

    init(capacity: Int = 32, timeout: HTTPClient.Configuration.Timeout) {
        self.capacity = capacity
        self.timeout = timeout
    }

    func client(host: String, address: String?) async -> HTTPClient {
        uses += 1
        if var entry = entries[host], entry.address == address {
            entry.lastUsed = uses
            entries[host] = entry
            return entry.client
        }
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: timeout)
        if let address { configuration.dnsOverride = [host: address] }
        // The dispatcher traces each attempt itself ("callback POST") and sends its trace context.
        configuration.tracing.tracer = nil
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var retired: [HTTPClient] = []
        if let previous = entries[host] { retired.append(previous.client) }
        entries[host] = Entry(address: address, client: client, lastUsed: uses)
        while entries.count > capacity, let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
            if let removed = entries.removeValue(forKey: oldest) { retired.append(removed.client) }
        }
        // Requests still running on a retired client fail and are retried on the current one.
        for old in retired { try? await old.shutdown() }
        return client
    }

    func shutdown() async {
        let all = entries.values.map(\.client)
        entries.removeAll()
        for client in all { try? await client.shutdown() }
    }
}

struct CallbackError: Error, CustomStringConvertible {
    let status: Int
    let attempt: Int
    var description: String { "receiver answered HTTP \(status) (attempt \(attempt))" }

    /// Network errors, 408, 429 and 5xx are worth retrying; other 4xx answers will not change.
    @Sendable static func isRetriable(_ error: any Error) -> Bool {
        guard let error = error as? CallbackError else { return true }
        return error.status == 408 || error.status == 429 || error.status >= 500
    }
}

extension JSONEncoder {
    /// How answers are written to clients: RFC 3339 dates with milliseconds, sorted keys.
    static var answers: JSONEncoder { EventCoding.sharedEncoder }
}

/// Writes trace-context headers into a name-value dictionary, copied onto an HTTP request.
private struct HeaderDictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
