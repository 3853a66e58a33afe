import AWS
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing

/// The container credentials endpoint (ECS task role) served by a local HTTP server.
@Suite(.serialized) struct CredentialsTests {
    @Test func containerCredentialsAreCachedAndRefreshedBeforeExpiry() async throws {
        let calls = Counter()
        let router = Router()
        router.get("/creds") { request, _ -> Response in
            guard request.headers[.authorization] == "secret-token" else { return Response(status: .unauthorized) }
            let number = await calls.next()
            // The first answer expires in 2 minutes (inside the refresh margin); the second in an hour.
            let expiration = Date().addingTimeInterval(number == 1 ? 120 : 3600)
            let body = #"{"AccessKeyId":"ASIA\#(number)","SecretAccessKey":"s\#(number)","Token":"t\#(number)","Expiration":"\#(ISO8601DateFormatter().string(from: expiration))"}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let port = PortHolder()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { await port.set($0.localAddress?.port) }, logger: Logger(label: "creds"))
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var waited = 0
        while await port.value == nil && waited < 200 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        let url = "http://127.0.0.1:\(await port.value ?? 0)/creds"

        let provider = try #require(AWSCredentialChain.provider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "secret-token"]))
        let first = try await provider.credentials()
        #expect(first.accessKeyID == "ASIA1" && first.sessionToken == "t1")
        // Inside the five-minute margin: fetched again.
        let second = try await provider.credentials()
        #expect(second.accessKeyID == "ASIA2")
        // Far from expiry: served from the cache.
        let third = try await provider.credentials()
        #expect(third.accessKeyID == "ASIA2")
        #expect(await calls.count == 2)
        #expect(!"\(third)".contains("s2") && !"\(third)".contains("t2"), "credentials never print their secrets")

        let environment = AWSCredentialChain.provider(environment: ["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"])
        #expect(try await environment?.credentials().accessKeyID == "AK")
        #expect(AWSCredentialChain.provider(environment: [:]) == nil)
    }
}

actor Counter {
    var count = 0
    func next() -> Int {
        count += 1
        return count
    }
}

actor PortHolder {
    var value: Int?
    func set(_ port: Int?) { value = port }
}
