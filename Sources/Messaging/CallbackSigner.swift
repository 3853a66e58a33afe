import Crypto
import Foundation

/// Signs callback bodies in the manner of Standard Webhooks: `webhook-id`, `webhook-timestamp` and
/// `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`. Shared by the gateway's
/// answer callbacks and the ingest worker's report webhook, so both are verified the same way.
public struct CallbackSigner: Sendable {
    // SymmetricKey is not Sendable in swift-crypto 3; keep the bytes and build the key per use.
    private let secret: Data
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    public enum Header {
        public static let id = "webhook-id"
        public static let timestamp = "webhook-timestamp"
        public static let signature = "webhook-signature"
    }

    public init(secret: String) {
        self.secret = Data(secret.utf8)
    }

    public func signature(id: String, timestamp: Int, body: Data) -> String {
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers of a signed delivery of `body`, timestamped now: what both webhooks send.
    public func headers(id: String, body: Data, now: Date = Date()) -> [(name: String, value: String)] {
        let timestamp = Int(now.timeIntervalSince1970)
        return [(Header.id, id), (Header.timestamp, String(timestamp)), (Header.signature, signature(id: id, timestamp: timestamp, body: body))]
    }

    /// Checks a received signature header (which may list several space-separated signatures) in
    /// constant time, and that the timestamp is within `tolerance` of now.
    public func verify(id: String, timestamp: Int, body: Data, signatureHeader: String, now: Date = Date(), tolerance: TimeInterval = 300) -> Bool {
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        for candidate in signatureHeader.split(separator: " ") {
            guard candidate.hasPrefix("v1,"), let mac = Data(base64Encoded: String(candidate.dropFirst(3))) else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key) { return true }
        }
        return false
    }
}
