import Foundation
import RAGCore
import Testing

@Suite struct ObjectEventDecoderTests {
    @Test func awsNotificationWithFormEncodedKey() throws {
        // moto and S3 form-encode keys; moto escapes "/" too (WIRE.md).
        let json = #"""
        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-25T00:00:00.000Z",
        "eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"kb","arn":"arn:aws:s3:::kb"},
        "object":{"key":"knowledge%2Fbar%2Fmy+faq%2B1.jsonl","size":120,"eTag":"abc","sequencer":"0055AED6DCD90281E5"}}}]}
        """#
        let events = try ObjectEventDecoder.decode(Data(json.utf8))
        #expect(events == [ObjectEvent(kind: .created, bucket: "kb", key: "knowledge/bar/my faq+1.jsonl", eventName: "ObjectCreated:Put", size: 120, eTag: "abc", sequencer: "0055AED6DCD90281E5")])
        #expect(events[0].source.namespace == "bar")
    }

    @Test func minioShapeWithPrefixedEventName() throws {
        let json = #"""
        {"EventName":"s3:ObjectRemoved:Delete","Key":"kb/knowledge/retail/faq.jsonl","Records":[{"eventName":"s3:ObjectRemoved:Delete",
        "eventSource":"minio:s3","s3":{"bucket":{"name":"kb"},"object":{"key":"knowledge%2Fretail%2Ffaq.jsonl","sequencer":"17"}}}]}
        """#
        let events = try ObjectEventDecoder.decode(Data(json.utf8))
        #expect(events.count == 1)
        #expect(events[0].kind == .removed)
        #expect(events[0].key == "knowledge/retail/faq.jsonl")
    }

    @Test func eventBridgeShape() throws {
        let json = #"{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"kb"},"object":{"key":"knowledge/a/b.jsonl","size":5}}}"#
        let events = try ObjectEventDecoder.decode(Data(json.utf8))
        #expect(events.first?.kind == .created)
        #expect(events.first?.key == "knowledge/a/b.jsonl")
    }

    @Test func testEventYieldsNothing() throws {
        let json = #"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-25T00:00:00.000Z","Bucket":"kb"}"#
        #expect(try ObjectEventDecoder.decode(Data(json.utf8)).isEmpty)
    }

    @Test func otherEventNamesAreIgnored() throws {
        let json = #"{"Records":[{"eventName":"ObjectRestore:Completed","s3":{"bucket":{"name":"kb"},"object":{"key":"a.jsonl"}}}]}"#
        #expect(try ObjectEventDecoder.decode(Data(json.utf8)).isEmpty)
    }

    @Test(arguments: [
        ("nope", "event is not valid JSON"),
        ("[]", "event is not a JSON object"),
        (#"{"hello":1}"#, "not an S3 event notification"),
        (#"{"Records":[{"eventName":"ObjectCreated:Put","s3":{}}]}"#, "Records[0] lacks s3.bucket.name or s3.object.key"),
        (#"{"Records":[5]}"#, "Records[0] is not an object"),
    ])
    func malformedEventsSayWhy(json: String, reason: String) {
        #expect(throws: ObjectEventDecodingError.self) { try ObjectEventDecoder.decode(Data(json.utf8)) }
        do {
            _ = try ObjectEventDecoder.decode(Data(json.utf8))
        } catch let error as ObjectEventDecodingError {
            #expect(error.reason.contains(reason), "\(error.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func encodedNotificationsRoundTrip() throws {
        let event = ObjectEvent(kind: .created, bucket: "local", key: "knowledge/my ns/a+b.jsonl", eventName: "ObjectCreated:Put", size: 3, sequencer: "01")
        let decoded = try ObjectEventDecoder.decode(ObjectEventEncoder.notification(for: event))
        #expect(decoded == [event])
    }
}
