import AsyncHTTPClient
import Foundation
@testable import Gateway
import Messaging
import RAGCore
import RaglineTestSupport
import Testing

@Suite struct CallbackSignerTests {
    let signer = CallbackSigner(secret: "whsec-test")

    @Test func signatureMatchesAnIndependentHMAC() {
        // python3: base64(hmac.new(b"whsec-test", b'msg_1.1700000000.{"a":1}', sha256).digest())
        let signature = signer.signature(id: "msg_1", timestamp: 1_700_000_000, body: Data(#"{"a":1}"#.utf8))
        #expect(signature == "v1,JheLhC+XazWfKczPdtdCd7wKbDI4biXb3hLSiqCNQBU=")
    }

    @Test func verificationChecksBodyIdTimestampAndAge() {
        let body = Data("{}".utf8)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let signature = signer.signature(id: "x", timestamp: 1_700_000_000, body: body)
        #expect(signer.verify(id: "x", timestamp: 1_700_000_000, body: body, signatureHeader: "v1,bogus= " + signature, now: now))
        #expect(!signer.verify(id: "y", timestamp: 1_700_000_000, body: body, signatureHeader: signature, now: now))
        #expect(!signer.verify(id: "x", timestamp: 1_700_000_000, body: Data("{ }".utf8), signatureHeader: signature, now: now))
        #expect(!signer.verify(id: "x", timestamp: 1_700_000_000, body: body, signatureHeader: signature, now: now.addingTimeInterval(301)))
    }
}

@Suite struct CallbackTargetPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("10.1.2.3", true), ("172.16.0.1", true), ("172.32.0.1", false), ("192.168.1.1", true),
        ("169.254.169.254", true), ("100.64.0.1", true), ("0.0.0.0", true), ("8.8.8.8", false), ("::1", true),
        ("fe80::1", true), ("fd00::1", true), ("::ffff:127.0.0.1", true), ("2001:db8::1", false), ("example.com", nil),
    ] as [(String, Bool?)])
    func classifiesAddresses(host: String, isInternal: Bool?) {
        #expect(CallbackTargetPolicy.isInternal(literal: host) == isInternal)
    }

    @Test func refusesInternalTargetsUnlessAllowListed() async throws {
        let strict = CallbackTargetPolicy(allowedHosts: [])
        #expect(throws: APIError.self) { try strict.validate("http://127.0.0.1:8080/hook") }
        #expect(throws: APIError.self) { try strict.validate("http://localhost/hook") }
        #expect(throws: APIError.self) { try strict.validate("ftp://example.com/hook") }
        #expect(throws: APIError.self) { try strict.validate("https://user:pw@example.com/hook") }
        #expect(throws: Never.self) { try strict.validate("https://example.com/hook") }
        #expect(await strict.checkResolved(URL(string: "http://localhost:9/x")!) != nil)
        let relaxed = CallbackTargetPolicy(allowedHosts: ["127.0.0.1", "LOCALHOST"])
        #expect(throws: Never.self) { try relaxed.validate("http://127.0.0.1:8080/hook") }
        #expect(await relaxed.checkResolved(URL(string: "http://localhost:9/x")!) == nil)
    }
}

@Suite struct AnswerStoreTests {
    /// A timeout or a cancellation that comes before the waiting request has parked still ends its wait,
    /// and leaves nothing behind.
    @Test func aWaitEndedBeforeItParksStillEnds() async {
        let store = AnswerStore(capacity: 10)
        for _ in 0..<200 {
            #expect(await store.wait(for: "zero", timeout: .zero) == nil)
        }
        for _ in 0..<200 {
            let waiting = Task { await store.wait(for: "cancelled", timeout: .seconds(30)) }
            waiting.cancel()
            #expect(await waiting.value == nil)
        }
        #expect(store.lookup("zero") == .unknown)
        #expect(store.lookup("cancelled") == .unknown)
    }

    func answer(_ id: String) -> AnswerReady {
        AnswerReady(id: id, status: .answered, answer: "A", references: [], model: "m", askedAt: Date(), answeredAt: Date(), callbackURL: nil, timings: .init())
    }

    @Test func waiterIsWokenByTheAnswer() async {
        let store = AnswerStore(capacity: 10)
        async let waited = store.wait(for: "q", timeout: .seconds(5))
        try? await Task.sleep(for: .milliseconds(50))
        store.record(answer("q"))
        #expect(await waited?.id == "q")
    }

    @Test func waiterTimesOutWithNil() async {
        let store = AnswerStore(capacity: 10)
        #expect(await store.wait(for: "never", timeout: .milliseconds(50)) == nil)
        #expect(store.lookup("never") == .unknown)
    }

    @Test func pendingThenAnsweredAndOldestEvicted() async {
        let store = AnswerStore(capacity: 2)
        store.recordPending("a")
        #expect(store.lookup("a") == .pending)
        store.record(answer("a"))
        if case .answered = store.lookup("a") {} else { Issue.record("a should be answered") }
        store.record(answer("b"))
        store.record(answer("c"))
        #expect(store.lookup("a") == .unknown)
        if case .answered = store.lookup("c") {} else { Issue.record("c should be answered") }
    }
}

@Suite struct CallbackClientsTests {
    /// A delivery connects to the address the policy checked, not to a second lookup of the name: a name
    /// that resolves nowhere reaches the receiver because its client is pinned to 127.0.0.1.
    @Test func clientsConnectToTheCheckedAddress() async throws {
        let receiver = CallbackReceiver()
        let url = try await receiver.start()
        let port = try #require(URL(string: url)?.port)
        let clients = CallbackClients(timeout: .init(connect: .seconds(5), read: .seconds(10)))
        let pinned = await clients.client(host: "callbacks.invalid", address: "127.0.0.1")
        var request = HTTPClientRequest(url: "http://callbacks.invalid:\(port)/hook")
        request.method = .POST
        let response = try await pinned.execute(request, timeout: .seconds(10))
        #expect(response.status == .noContent)
        #expect(receiver.all.count == 1)
        // The same host and address reuse the client; a new address replaces it.
        #expect(await clients.client(host: "callbacks.invalid", address: "127.0.0.1") === pinned)
        #expect(await clients.client(host: "callbacks.invalid", address: "127.0.0.2") !== pinned)
        await clients.shutdown()
        await receiver.stop()
    }
}
