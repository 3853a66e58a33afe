import CKafka
import Foundation
import Logging
import Synchronization

/// An idempotent producer (`acks=all`) whose `send` returns once the broker has acknowledged the record.
public final class KafkaProducer: Sendable {
    private let handle: RDKafkaHandle
    private let deliveries: DeliveryRouter
    private let pollLoop: BlockingLoopThread
    private let logger: Logger

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        let deliveries = DeliveryRouter(oauthBearerTokenProvider: configuration.client.oauthBearerTokenProvider)
        let conf = try RDKafkaConfig.make(configuration.properties)
        RDKafkaCallbackTarget.installOAuthBearer(on: conf, provider: configuration.client.oauthBearerTokenProvider)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(deliveries).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let router = Unmanaged<DeliveryRouter>.fromOpaque(opaque).takeUnretainedValue()
            router.deliver(message.pointee)
        }
        let handle = try RDKafkaHandle(kind: .producer, conf: conf)
        RDKafkaCallbackTarget.enableBackgroundSASL(handle, provider: configuration.client.oauthBearerTokenProvider)
        self.handle = handle
        self.deliveries = deliveries
        self.logger = logger
        // Delivery reports are served by rd_kafka_poll, which blocks: give it its own thread.
        self.pollLoop = BlockingLoopThread(name: "kafka-producer-poll") {
            rd_kafka_poll(handle.pointer, 50)
        }
    }

    deinit {
        pollLoop.stopAndWait()
    }

    /// Produces `record` and waits for the broker's acknowledgement. Throws if librdkafka gives up on it
    /// (after `message.timeout.ms`) or rejects it at once.
    @discardableResult
    public func send(_ record: KafkaOutgoingRecord) async throws -> KafkaAcknowledgement {
        // Delivery cannot be undone once the record is queued, so the wait ignores task cancellation:
        // the report always arrives within message.timeout.ms.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<KafkaAcknowledgement, any Error>) in
            let id = deliveries.register(continuation)
            var attempt = 0
            while true {
                let result = produce(record, opaque: UnsafeMutableRawPointer(bitPattern: UInt(id)))
                if result == RD_KAFKA_RESP_ERR_NO_ERROR { return }
                if result == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 500 {
                    // The local queue drains as the poll thread serves delivery reports.
                    attempt += 1
                    usleep(2_000)
                    continue
                }
                deliveries.fail(id: id, error: KafkaError(code: .produce, rdError: result, context: "produce to \(record.topic)"))
                return
            }
        }
    }

    private func produce(_ record: KafkaOutgoingRecord, opaque: UnsafeMutableRawPointer?) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer? = nil
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                header.value.withUnsafeBytes { bytes in
                    _ = rd_kafka_header_add(headers, header.name, -1, bytes.baseAddress, bytes.count)
                }
            }
        }
        let key = record.key ?? Data()
        let result = key.withUnsafeBytes { keyBytes in
            record.value.withUnsafeBytes { valueBytes in
                ragline_produce(
                    handle.pointer, record.topic,
                    record.key == nil ? nil : keyBytes.baseAddress, record.key == nil ? 0 : keyBytes.count,
                    valueBytes.baseAddress, valueBytes.count,
                    headers, opaque
                )
            }
        }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR, let headers {
            rd_kafka_headers_destroy(headers)
        }
        return result
    }

    /// Waits (off the cooperative pool) until every queued record is delivered or `timeout` passes.
    /// Returns the number of records still undelivered.
    @discardableResult
    public func flush(timeout: Duration = .seconds(10)) async -> Int {
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let handle = self.handle
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                _ = rd_kafka_flush(handle.pointer, milliseconds)
                continuation.resume(returning: Int(rd_kafka_outq_len(handle.pointer)))
            }
        }
    }

    /// Flushes, then stops serving delivery reports. Records still pending fail their `send`.
    public func shutdown(timeout: Duration = .seconds(10)) async {
        let remaining = await flush(timeout: timeout)
        if remaining > 0 {
            logger.warning("Kafka producer closed with undelivered records", metadata: ["kafka.undelivered": "\(remaining)"])
        }
        pollLoop.stopAndWait()
        deliveries.failAll(KafkaError(code: .closed, message: "producer closed before delivery"))
    }
}

/// Matches delivery reports to waiting `send` calls by the id carried in each record's opaque pointer.
final class DeliveryRouter: RDKafkaCallbackTarget, @unchecked Sendable {
    private struct State {
        var nextID: UInt = 1
        var waiting: [UInt: CheckedContinuation<KafkaAcknowledgement, any Error>] = [:]
    }

    private let state = Mutex(State())

    func register(_ continuation: CheckedContinuation<KafkaAcknowledgement, any Error>) -> UInt {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.waiting[id] = continuation
            return id
        }
    }

    func fail(id: UInt, error: KafkaError) {
        let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
        continuation?.resume(throwing: error)
    }

    func failAll(_ error: KafkaError) {
        let all = state.withLock { state in
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for continuation in all { continuation.resume(throwing: error) }
    }

    /// Called on the poll thread from librdkafka's delivery-report callback.
    func deliver(_ message: rd_kafka_message_t) {
        let id = UInt(bitPattern: message._private)
        guard let continuation = state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            continuation.resume(returning: KafkaAcknowledgement(topic: topic, partition: message.partition, offset: message.offset))
        } else {
            continuation.resume(throwing: KafkaError(code: .delivery, rdError: message.err, context: "delivery to \(topic)"))
        }
    }
}
