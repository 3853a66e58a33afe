import Foundation
import LocalProviders
import RAGCore
import Testing

@Suite struct LocalVectorIndexEntriesTests {
    let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("index-\(UUID().uuidString)")

    @Test func entriesComeBackWithEverythingTheyWereStoredWith() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let metadata: [String: JSONValue] = ["tags": .array([.string("x")]), "priority": .number(2), "owner": .object(["team": .string("ops")])]
        let own = IndexEntry(
            id: "a", namespace: "ns", vector: [1, 0], question: "Q a?", answer: "A a.", context: "C a", source: "knowledge/ns/f.jsonl", metadata: metadata
        )
        var alternate = own
        alternate.vectorID = IndexEntry.alternateVectorID(entry: "a", number: 1)
        alternate.matchedQuestion = "Other a?"
        alternate.vector = [0, 1]
        let plain = IndexEntry(id: "b", namespace: "ns", vector: [-1, 0], question: "Q b?", answer: "A b.", context: "", source: "knowledge/ns/g.jsonl")
        try await LocalVectorIndex(directory: directory).upsert([plain, alternate, own])

        let reopened = try LocalVectorIndex(directory: directory)
        let entries = try await reopened.entries(in: "ns")
        #expect(entries == [own, alternate, plain], "ordered by vector id, every field kept")
        #expect(try await reopened.entries(in: "missing").isEmpty)
    }

    @Test func filesWrittenBeforeMetadataWasKeptStillRead() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let legacy = #"{"namespace":"ns","entries":[{"id":"old","question":"Q?","answer":"A.","context":"","source":"knowledge/ns/f.jsonl","vector":[1,0]}]}"#
        try legacy.write(toFile: (directory as NSString).appendingPathComponent("ns.json"), atomically: true, encoding: .utf8)
        let entries = try await LocalVectorIndex(directory: directory).entries(in: "ns")
        #expect(entries == [IndexEntry(id: "old", namespace: "ns", vector: [1, 0], question: "Q?", answer: "A.", context: "", source: "knowledge/ns/f.jsonl")])
        #expect(entries.first?.metadata == [:])
    }
}
