import AWS
import Foundation
import Testing

/// Every case of AWS's published SigV4 test suite (Fixtures/sigv4-test-suite, Apache-2.0, from
/// awslabs/aws-c-auth): canonical request, string to sign and signature, for header and query signing.
@Suite struct SigV4TestSuiteTests {
    static let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sigv4-test-suite")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: suite.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: suite.appendingPathComponent("\($0)/request.txt").path)
        }.sorted()
    }

    struct Context: Decodable {
        struct Credentials: Decodable {
            let access_key_id: String
            let secret_access_key: String
            let token: String?
        }
        let credentials: Credentials
        let expiration_in_seconds: Int
        let normalize: Bool
        let region: String
        let service: String
        let sign_body: Bool
        let timestamp: String
        let omit_session_token: Bool?
    }

    /// Parses request.txt: request line, headers (with folded continuation lines), blank line, body.
    static func parseRequest(_ text: String) -> (SigV4Signer.Request, Data) {
        let parts = text.components(separatedBy: "\n\n")
        let head = parts[0]
        let body = Data(parts.dropFirst().joined(separator: "\n\n").utf8)
        var lines = head.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        let target = String(requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [(name: String, value: String)] = []
        if pathPart.count > 1 {
            for pair in pathPart[1].split(separator: "&") {
                let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(pieces[0]).removingPercentEncoding ?? String(pieces[0])
                let value = pieces.count > 1 ? (String(pieces[1]).removingPercentEncoding ?? String(pieces[1])) : ""
                query.append((name, value))
            }
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let request = SigV4Signer.Request(method: method, path: String(pathPart[0]), query: query, headers: headers, payloadHash: SigV4Signer.hexSHA256(body))
        return (request, body)
    }

    func expected(_ name: String, _ file: String) throws -> String {
        try String(contentsOf: Self.suite.appendingPathComponent("\(name)/\(file)"), encoding: .utf8)
    }

    @Test func theWholeSuiteIsPresent() {
        #expect(Self.cases.count == 38)
    }

    @Test(arguments: SigV4TestSuiteTests.cases)
    func headerAndQuerySigningMatchAWS(name: String) throws {
        let context = try JSONDecoder().decode(Context.self, from: Data(contentsOf: Self.suite.appendingPathComponent("\(name)/context.json")))
        let (request, _) = Self.parseRequest(try expected(name, "request.txt"))
        let credentials = AWSCredentials(accessKeyID: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key, sessionToken: context.credentials.token)
        let date = try #require(ISO8601DateFormatter().date(from: context.timestamp))
        let signer = SigV4Signer(region: context.region, service: context.service)
        var options = SigV4Signer.Options()
        options.normalizePath = context.normalize
        options.signPayloadHashHeader = context.sign_body
        options.omitSessionTokenFromSignature = context.omit_session_token ?? false

        let header = signer.signHeaders(request, credentials: credentials, date: date, options: options)
        #expect(header.canonicalRequest == (try expected(name, "header-canonical-request.txt")))
        #expect(header.stringToSign == (try expected(name, "header-string-to-sign.txt")))
        #expect(header.signature == (try expected(name, "header-signature.txt")))

        var queryRequest = request
        queryRequest.headers = request.headers
        let query = signer.signQuery(queryRequest, credentials: credentials, date: date, expires: context.expiration_in_seconds, options: options)
        #expect(query.canonicalRequest == (try expected(name, "query-canonical-request.txt")))
        #expect(query.stringToSign == (try expected(name, "query-string-to-sign.txt")))
        #expect(query.signature == (try expected(name, "query-signature.txt")))
    }

    /// AWS's documented S3 example (WIRE.md): GET /test.txt from examplebucket with a Range header.
    @Test func s3DocumentationExample() throws {
        let signer = SigV4Signer(region: "us-east-1", service: "s3")
        var options = SigV4Signer.Options()
        options.normalizePath = false
        options.signPayloadHashHeader = true
        let request = SigV4Signer.Request(method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")])
        let date = try #require(ISO8601DateFormatter().date(from: "2013-05-24T00:00:00Z"))
        let signed = signer.signHeaders(request, credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), date: date, options: options)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }
}
