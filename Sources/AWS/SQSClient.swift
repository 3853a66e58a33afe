import AsyncHTTPClient
import Foundation
import NIOCore
import RAGCore

/// SQS over its JSON protocol: long-poll receive, delete, change visibility.
public struct SQSClient: Sendable {
    public let queueURL: String
    private let endpoint: String
    private let sender: AWSRequestSender

    public struct Message: Sendable, Hashable {
        public let id: String
        public let receiptHandle: String
        public let body: String
    }

    /// `endpoint` defaults to the queue URL's scheme and host.
    public init(queueURL: String, region: String, endpoint: String? = nil, credentials: any AWSCredentialProvider, client: HTTPClient = .shared) {
        self.queueURL = queueURL
        let url = URL(string: queueURL)
        self.endpoint = endpoint ?? "\(url?.scheme ?? "https")://\(url?.host ?? "sqs.\(region).amazonaws.com")" + (url?.port.map { ":\($0)" } ?? "")
        sender = AWSRequestSender(signer: SigV4Signer(region: region, service: "sqs"), credentials: credentials, client: client)
    }

    public func receive(maxMessages: Int = 10, waitSeconds: Int = 20, visibilityTimeout: Int? = nil) async throws -> [Message] {
        var body: [String: Any] = ["QueueUrl": queueURL, "MaxNumberOfMessages": min(10, max(1, maxMessages)), "WaitTimeSeconds": min(20, max(0, waitSeconds))]
        if let visibilityTimeout { body["VisibilityTimeout"] = visibilityTimeout }
        let object = try await call("ReceiveMessage", body, timeout: .seconds(Int64(waitSeconds) + 10))
        return (object["Messages"] as? [[String: Any]] ?? []).compactMap { item in
            guard let id = item["MessageId"] as? String, let handle = item["ReceiptHandle"] as? String, let body = item["Body"] as? String else { return nil }
            return Message(id: id, receiptHandle: handle, body: body)
        }
    }

    public func delete(_ message: Message) async throws {
        _ = try await call("DeleteMessage", ["QueueUrl": queueURL, "ReceiptHandle": message.receiptHandle])
    }

    public func changeVisibility(_ message: Message, seconds: Int) async throws {
        _ = try await call("ChangeMessageVisibility", ["QueueUrl": queueURL, "ReceiptHandle": message.receiptHandle, "VisibilityTimeout": seconds])
    }

    private func call(_ action: String, _ body: [String: Any], timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body)
        let response = try await sender.send(
            method: "POST", baseURL: endpoint, path: "/",
            headers: [("X-Amz-Target", "AmazonSQS.\(action)"), ("Content-Type", "application/x-amz-json-1.0")],
            body: data, timeout: timeout
        )
        let answer = Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        guard response.status == .ok else {
            throw AWSRequestSender.error(service: "sqs", response: response, body: answer, context: action)
        }
        if answer.isEmpty { return [:] }
        return (try? JSONSerialization.jsonObject(with: answer) as? [String: Any]) ?? [:]
    }
}
