import CKafka
import Foundation

/// Owns one `rd_kafka_t`.
///
/// `@unchecked Sendable` because librdkafka documents its client handle as thread-safe: every public
/// `rd_kafka_*` call may be made from any thread. The pointer is immutable after `init` and freed once in
/// `deinit`, after which no reference to this object can exist.
final class RDKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    enum Kind {
        case producer, consumer
        var cValue: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    /// Creates the client. On success librdkafka owns `conf`; on failure it is freed here.
    init(kind: Kind, conf: OpaquePointer) throws {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(kind.cValue, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: .clientCreation, message: String(errorBuffer: errorBuffer))
        }
        self.pointer = handle
    }

    deinit {
        rd_kafka_destroy(pointer)
    }
}

/// Builds an `rd_kafka_conf_t` from string properties. The only place properties cross into C.
enum RDKafkaConfig {
    static func make(_ properties: [String: String]) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    code: .configuration,
                    message: "Kafka property \(key): \(String(errorBuffer: errorBuffer))"
                )
            }
        }
        return conf
    }
}

extension KafkaError {
    init(code: Code, rdError: rd_kafka_resp_err_t, context: String) {
        let text = String(cString: rd_kafka_err2str(rdError))
        let retriable = rdError == RD_KAFKA_RESP_ERR__QUEUE_FULL || rdError == RD_KAFKA_RESP_ERR__TIMED_OUT
            || rdError == RD_KAFKA_RESP_ERR__TRANSPORT || rdError == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
        self.init(code: code, message: "\(context): \(text)", underlyingCode: rdError.rawValue, isRetriable: retriable)
    }
}

extension String {
    /// Text of a NUL-terminated C error buffer filled by librdkafka.
    init(errorBuffer: [CChar]) {
        let bytes = errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}

/// What librdkafka's callbacks reach through the client's opaque pointer. The producer's and consumer's
/// own state derive from it, so the token-refresh callback works for both.
///
/// `@unchecked Sendable`: its only property is an immutable `let` of a `Sendable` closure; subclasses
/// keep their mutable state behind locks.
class RDKafkaCallbackTarget: @unchecked Sendable {
    let oauthBearerTokenProvider: KafkaOAuthBearerTokenProvider?

    init(oauthBearerTokenProvider: KafkaOAuthBearerTokenProvider?) {
        self.oauthBearerTokenProvider = oauthBearerTokenProvider
    }

    /// Installs the token-refresh callback (and librdkafka's background SASL queue, so idle clients refresh too).
    static func installOAuthBearer(on conf: OpaquePointer, provider: KafkaOAuthBearerTokenProvider?) {
        guard provider != nil else { return }
        rd_kafka_conf_enable_sasl_queue(conf, 1)
        rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf) { rk, _, opaque in
            guard let rk, let opaque else { return }
            let target = Unmanaged<RDKafkaCallbackTarget>.fromOpaque(opaque).takeUnretainedValue()
            guard let provider = target.oauthBearerTokenProvider else { return }
            do {
                let token = try provider()
                var errorBuffer = [CChar](repeating: 0, count: 512)
                let result = rd_kafka_oauthbearer_set_token(
                    rk, token.value, Int64(token.expiry.timeIntervalSince1970 * 1000), token.principal, nil, 0, &errorBuffer, errorBuffer.count
                )
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    _ = rd_kafka_oauthbearer_set_token_failure(rk, String(errorBuffer: errorBuffer))
                }
            } catch {
                _ = rd_kafka_oauthbearer_set_token_failure(rk, "token provider failed: \(error)")
            }
        }
    }

    /// After the client exists: serve SASL callbacks on librdkafka's background thread.
    static func enableBackgroundSASL(_ handle: RDKafkaHandle, provider: KafkaOAuthBearerTokenProvider?) {
        guard provider != nil, let error = rd_kafka_sasl_background_callbacks_enable(handle.pointer) else { return }
        rd_kafka_error_destroy(error)
    }
}
