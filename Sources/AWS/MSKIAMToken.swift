import Foundation

/// The Amazon MSK IAM authentication token (WIRE.md): a SigV4 query-presigned
/// `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect` (service `kafka-cluster`,
/// signed header `host`, 900 s), with `User-Agent` appended after signing, base64url-encoded without padding.
public enum MSKIAMToken {
    public static let lifetime = 900

    public struct Token: Sendable, Hashable {
        public let value: String
        /// When the signature stops being valid.
        public let expiry: Date
    }

    public static func make(credentials: AWSCredentials, region: String, date: Date = Date(), userAgent: String = "ragline") -> Token {
        let host = "kafka.\(region).amazonaws.com"
        let signer = SigV4Signer(region: region, service: "kafka-cluster")
        let request = SigV4Signer.Request(method: "GET", path: "/", query: [("Action", "kafka-cluster:Connect")], headers: [("host", host)])
        let signed = signer.signQuery(request, credentials: credentials, date: date, expires: lifetime)
        // The parameters in the order AWS's own signers write them (the signature covers them sorted).
        var parameters: [(String, String)] = [
            ("Action", "kafka-cluster:Connect"), ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(signer.scope(date))"), ("X-Amz-Date", SigV4Signer.amzDate(date)),
            ("X-Amz-Expires", String(lifetime)), ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { parameters.append(("X-Amz-Security-Token", token)) }
        parameters.append(("X-Amz-Signature", signed.signature))
        parameters.append(("User-Agent", userAgent))
        let query = parameters.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }.joined(separator: "&")
        let url = "https://\(host)/?\(query)"
        let encoded = Data(url.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return Token(value: encoded, expiry: date.addingTimeInterval(TimeInterval(lifetime)))
    }
}
