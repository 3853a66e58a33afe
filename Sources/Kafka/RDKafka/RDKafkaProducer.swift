import CKafka
import Foundation
import Synchronization

/// Owns a librdkafka producer handle and its delivery reports: the only producer code that touches C.
/// Everything here either returns at once or blocks for a bounded poll/flush; `KafkaProducer` decides
/// which thread calls what.
final class RDKafkaProducer: Sendable {
    enum ProduceResult {
        case queued
        /// The local queue (`queue.buffering.max.messages`) is full: try again once reports drain it.
        case queueFull
        case rejected(KafkaError)
    }

    private let handle: RDKafkaHandle
    private let deliveries: DeliveryRouter

    init(properties: [String: String], oauthBearerTokenProvider: KafkaOAuthBearerTokenProvider?) throws {
        let deliveries = DeliveryRouter(oauthBearerTokenProvider: oauthBearerTokenProvider)
        let conf = try RDKafkaConfig.make(properties)
        // A partitioner set in the properties wins; then `.batched` records are placed by key too.
        if properties["partitioner"] == nil {
            ragline_install_partitioner(conf)
        }
        RDKafkaCallbackTarget.installOAuthBearer(on: conf, provider: oauthBearerTokenProvider)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(deliveries).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            Unmanaged<DeliveryRouter>.fromOpaque(opaque).takeUnretainedValue().deliver(message.pointee)
        }
        let handle = try RDKafkaHandle(kind: .producer, conf: conf)
        RDKafkaCallbackTarget.enableBackgroundSASL(handle, provider: oauthBearerTokenProvider)
        self.handle = handle
        self.deliveries = deliveries
    }

    /// Registers `continuation` for the record's delivery report and queues the record. The continuation
    /// is resumed exactly once: by the report, by `failAll`, or here when the record is not queued
    /// (`queueFull` resumes it with a retriable error, which `KafkaProducer` turns into a back-off).
    /// With a `deadline` (nanoseconds on `DispatchTime`'s clock), `expireOverdue` fails the wait once it has
    /// passed; the record itself stays queued, since a send cannot be recalled.
    func produce(_ record: KafkaOutgoingRecord, deadline: UInt64? = nil, continuation: CheckedContinuation<KafkaAcknowledgement, any Error>) {
        guard let id = deliveries.register(continuation, deadline: deadline) else { return }
        let flag = record.partitioning == .batched ? ragline_batched_partition_flag() : 0
        switch produce(record, opaque: UnsafeMutableRawPointer(bitPattern: id | flag)) {
        case .queued:
            return
        case .queueFull:
            deliveries.fail(id: id, error: .localQueueFull)
        case .rejected(let error):
            deliveries.fail(id: id, error: error)
        }
    }

    private func produce(_ record: KafkaOutgoingRecord, opaque: UnsafeMutableRawPointer?) -> ProduceResult {
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
        switch result {
        case RD_KAFKA_RESP_ERR_NO_ERROR: return .queued
        case RD_KAFKA_RESP_ERR__QUEUE_FULL: return .queueFull
        default: return .rejected(KafkaError(code: .produce, rdError: result, context: "produce to \(record.topic)"))
        }
    }

    /// Serves delivery reports for up to `milliseconds` (blocks: the poll thread's body).
    func poll(milliseconds: Int32) {
        rd_kafka_poll(handle.pointer, milliseconds)
    }

    /// Asks the cluster for metadata: true when a broker answered within `milliseconds` (blocks that long
    /// at most). A frozen or unreachable cluster times out.
    func brokersAnswer(within milliseconds: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle.pointer, 0, nil, &metadata, milliseconds)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return result == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Blocks until every queued record is delivered or `milliseconds` pass; returns how many are left.
    func flush(milliseconds: Int32) -> Int {
        _ = rd_kafka_flush(handle.pointer, milliseconds)
        return Int(rd_kafka_outq_len(handle.pointer))
    }

    /// Fails the waits whose deadline has passed (called by the poll thread between polls).
    func expireOverdue() {
        deliveries.expireOverdue(now: DispatchTime.now().uptimeNanoseconds)
    }

    /// Fails every `send` still waiting and every later registration: after this no report is served.
    func failAll(_ error: KafkaError) {
        deliveries.failAll(error)
    }
}

extension KafkaError {
    /// A full local queue, which `KafkaProducer.send` waits out instead of throwing.
    static var localQueueFull: KafkaError {
        KafkaError(code: .produce, message: "the local queue is full", underlyingCode: RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue, isRetriable: true)
    }

    var isQueueFull: Bool { underlyingCode == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue }
}

/// Matches delivery reports to waiting `send` calls by the id carried in each record's opaque pointer.
///
/// `@unchecked Sendable` as its superclass is; its own mutable state is behind a `Mutex`.
final class DeliveryRouter: RDKafkaCallbackTarget, @unchecked Sendable {
    private struct Waiting {
        let continuation: CheckedContinuation<KafkaAcknowledgement, any Error>
        let deadline: UInt64?
    }

    private struct State {
        var nextID: UInt = 1
        var waiting: [UInt: Waiting] = [:]
        var closedError: KafkaError?
        /// The earliest deadline among the waits (or later: it is only lowered when a wait registers, and
        /// recomputed when a scan runs), so that the poll thread scans only when one may have passed.
        var nextDeadline = UInt64.max
    }

    private let state = Mutex(State())

    /// The id to carry in the record, or nil when the producer is closed (the continuation is then
    /// resumed with the closing error at once).
    func register(_ continuation: CheckedContinuation<KafkaAcknowledgement, any Error>, deadline: UInt64? = nil) -> UInt? {
        let outcome: Result<UInt, KafkaError> = state.withLock { state in
            if let closed = state.closedError { return .failure(closed) }
            let id = state.nextID
            state.nextID += 1
            state.waiting[id] = Waiting(continuation: continuation, deadline: deadline)
            if let deadline { state.nextDeadline = min(state.nextDeadline, deadline) }
            return .success(id)
        }
        switch outcome {
        case .success(let id): return id
        case .failure(let error):
            continuation.resume(throwing: error)
            return nil
        }
    }

    func fail(id: UInt, error: KafkaError) {
        let waiting = state.withLock { $0.waiting.removeValue(forKey: id) }
        waiting?.continuation.resume(throwing: error)
    }

    func failAll(_ error: KafkaError) {
        let all = state.withLock { state in
            defer { state.waiting.removeAll() }
            state.closedError = error
            return Array(state.waiting.values)
        }
        for waiting in all { waiting.continuation.resume(throwing: error) }
    }

    /// Fails every wait whose deadline is at or before `now` with `KafkaError.Code.timedOut`. Its record may
    /// still be delivered later; that report then finds no one waiting.
    func expireOverdue(now: UInt64) {
        let overdue: [CheckedContinuation<KafkaAcknowledgement, any Error>] = state.withLock { state in
            guard state.nextDeadline <= now else { return [] }
            var overdue: [CheckedContinuation<KafkaAcknowledgement, any Error>] = []
            var next = UInt64.max
            for (id, waiting) in state.waiting {
                guard let deadline = waiting.deadline else { continue }
                if deadline <= now {
                    overdue.append(waiting.continuation)
                    state.waiting[id] = nil
                } else {
                    next = min(next, deadline)
                }
            }
            state.nextDeadline = next
            return overdue
        }
        for continuation in overdue {
            continuation.resume(throwing: KafkaError(code: .timedOut, message: "the broker did not acknowledge the record in time"))
        }
    }

    /// Called on the poll thread from librdkafka's delivery-report callback.
    func deliver(_ message: rd_kafka_message_t) {
        let id = UInt(bitPattern: message._private) & ~ragline_batched_partition_flag()
        guard let continuation = state.withLock({ $0.waiting.removeValue(forKey: id) })?.continuation else { return }
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            continuation.resume(returning: KafkaAcknowledgement(topic: topic, partition: message.partition, offset: message.offset))
        } else {
            continuation.resume(throwing: KafkaError(code: .delivery, rdError: message.err, context: "delivery to \(topic)"))
        }
    }
}
