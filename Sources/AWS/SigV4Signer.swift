import Crypto
import Foundation

/// AWS Signature Version 4 (header and query-string signing), checked against AWS's published test suite.
public struct SigV4Signer: Sendable {
    public let region: String
    public let service: String

    public init(region: String, service: String) {
        self.region = region
        self.service = service
    }

    /// A request to sign: the path and query values are given decoded; the signer encodes them.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]
        /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)], payloadHash: String = SigV4Signer.emptyPayloadHash) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    public struct Options: Sendable {
        /// Remove `.`/`..` segments and duplicate slashes (every service but S3).
        public var normalizePath = true
        /// Add and sign `x-amz-content-sha256` (S3).
        public var signPayloadHashHeader = false
        /// Add the session token after signing instead of signing it (some services, e.g. IoT).
        public var omitSessionTokenFromSignature = false
        public init() {}
    }

    /// What signing produced; tests compare every stage with AWS's expected text.
    public struct Signed: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// Headers to send (including `Authorization` for header signing).
        public var headers: [(name: String, value: String)]
        /// Query to send (including `X-Amz-Signature` for query signing), encoded, in canonical order.
        public var encodedQuery: String
    }

    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public static func hexSHA256(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Signs with an `Authorization` header.
    public func signHeaders(_ request: Request, credentials: AWSCredentials, date: Date, options: Options = Options()) -> Signed {
        var headers = request.headers
        let amzDate = Self.amzDate(date)
        headers.append(("X-Amz-Date", amzDate))
        if options.signPayloadHashHeader { headers.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken, !options.omitSessionTokenFromSignature { headers.append(("X-Amz-Security-Token", token)) }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let query = Self.canonicalQuery(request.query)
        let canonicalRequest = [request.method, canonicalPath(request.path, options: options), query, canonicalHeaders, signedHeaders, request.payloadHash].joined(separator: "\n")
        let (stringToSign, signature) = sign(canonicalRequest, credentials: credentials, date: date)
        headers.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(date)), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        if let token = credentials.sessionToken, options.omitSessionTokenFromSignature { headers.append(("X-Amz-Security-Token", token)) }
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, headers: headers, encodedQuery: query)
    }

    /// Signs in the query string (a presigned URL), valid for `expires`.
    public func signQuery(_ request: Request, credentials: AWSCredentials, date: Date, expires: Int, options: Options = Options()) -> Signed {
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        var query = request.query
        query.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(date))"))
        query.append(("X-Amz-Date", Self.amzDate(date)))
        query.append(("X-Amz-Expires", String(expires)))
        query.append(("X-Amz-SignedHeaders", signedHeaders))
        if let token = credentials.sessionToken, !options.omitSessionTokenFromSignature { query.append(("X-Amz-Security-Token", token)) }
        let canonicalQuery = Self.canonicalQuery(query)
        let canonicalRequest = [request.method, canonicalPath(request.path, options: options), canonicalQuery, canonicalHeaders, signedHeaders, request.payloadHash].joined(separator: "\n")
        let (stringToSign, signature) = sign(canonicalRequest, credentials: credentials, date: date)
        query.append(("X-Amz-Signature", signature))
        if let token = credentials.sessionToken, options.omitSessionTokenFromSignature { query.append(("X-Amz-Security-Token", token)) }
        return Signed(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, headers: request.headers, encodedQuery: Self.canonicalQuery(query))
    }

    private func sign(_ canonicalRequest: String, credentials: AWSCredentials, date: Date) -> (String, String) {
        let stringToSign = ["AWS4-HMAC-SHA256", Self.amzDate(date), scope(date), Self.hexSHA256(Data(canonicalRequest.utf8))].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [Self.dateStamp(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key).map { String(format: "%02x", $0) }.joined()
        return (stringToSign, signature)
    }

    public func scope(_ date: Date) -> String {
        "\(Self.dateStamp(date))/\(region)/\(service)/aws4_request"
    }

    func canonicalPath(_ path: String, options: Options) -> String {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if options.normalizePath {
            var kept: [String] = []
            for segment in segments.dropFirst() {
                switch segment {
                case ".": continue
                case "..": _ = kept.popLast()
                case "": continue
                default: kept.append(segment)
                }
            }
            let trailingSlash = path.hasSuffix("/") && !kept.isEmpty
            segments = [""] + kept + (trailingSlash ? [""] : [])
        }
        let encoded = segments.map(Self.uriEncode).joined(separator: "/")
        return encoded.isEmpty ? "/" : (encoded.hasPrefix("/") ? encoded : "/" + encoded)
    }

    static func canonicalQuery(_ items: [(name: String, value: String)]) -> String {
        items.map { (uriEncode($0.name), uriEncode($0.value)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Lower-cased names, sorted; values trimmed with inner runs of spaces collapsed; repeated names
    /// joined with commas in their order.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (String, String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let collapsed = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
            values[name.lowercased(), default: []].append(collapsed)
        }
        let names = values.keys.sorted()
        let canonical = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    /// RFC 3986 encoding as AWS defines it: everything but A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex).
    public static func uriEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    public static func amzDate(_ date: Date) -> String {
        formatted(date, "yyyyMMdd'T'HHmmss'Z'")
    }

    public static func dateStamp(_ date: Date) -> String {
        formatted(date, "yyyyMMdd")
    }

    private static func formatted(_ date: Date, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: date)
    }
}
