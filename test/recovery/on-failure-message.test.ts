import { describe, expect, it } from 'vitest';
import { OnFailureMessageError, onFailureMessage, parseOnFailureMessage, processorOf } from '../../lambdas/recovery/on-failure-message.js';

/** The document Lambda sends a Kinesis event source mapping's on-failure destination, as it documents it. */
const LAMBDA_DOCUMENT = {
  requestContext: {
    requestId: 'c9b8fa9f-5a7f-4a5b-af9c-0c604cde93a5',
    functionArn: 'arn:aws:lambda:ap-southeast-2:123456789012:function:geotech-prod-batch-processor',
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: 4,
  },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: '2026-11-22T08:31:02.117Z',
  KinesisBatchInfo: {
    shardId: 'shardId-000000000001',
    startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
    endSequenceNumber: '49601189658422359378836298522902373528957594348623495186',
    approximateArrivalOfFirstRecord: '2026-11-22T08:30:40.512Z',
    approximateArrivalOfLastRecord: '2026-11-22T08:30:44.907Z',
    batchSize: 500,
    streamArn: 'arn:aws:kinesis:ap-southeast-2:123456789012:stream/geotech-prod-readings',
  },
};

describe('on-failure documents', () => {
  it("reads Lambda's document: which processor, where its records are, how many", () => {
    expect(parseOnFailureMessage(JSON.stringify(LAMBDA_DOCUMENT))).toEqual({
      id: 'c9b8fa9f-5a7f-4a5b-af9c-0c604cde93a5',
      processor: 'batch',
      functionArn: LAMBDA_DOCUMENT.requestContext.functionArn,
      condition: 'RetryAttemptsExhausted',
      failedAt: Date.parse('2026-11-22T08:31:02.117Z'),
      shardId: 'shardId-000000000001',
      streamArn: LAMBDA_DOCUMENT.KinesisBatchInfo.streamArn,
      records: {
        first: '49601189658422359378836298521827638475320189012309704722',
        last: '49601189658422359378836298522902373528957594348623495186',
        count: 500,
      },
      arrivals: { first: Date.parse('2026-11-22T08:30:40.512Z'), last: Date.parse('2026-11-22T08:30:44.907Z') },
      tumblingWindow: null,
      errorMessage: null,
    });
  });

  it('reads what the local event source mapping writes, a window close (no records) included', () => {
    const facts = {
      requestId: 'r-1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:local-realtime-processor',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 2,
      at: Date.parse('2026-11-22T08:31:00Z'),
      shardId: 'shardId-000000000000',
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/geotech-readings',
      startSequenceNumber: null,
      endSequenceNumber: null,
      batchSize: 0,
      firstArrival: null,
      lastArrival: null,
      tumblingWindow: { start: Date.parse('2026-11-22T08:30:30Z'), end: Date.parse('2026-11-22T08:31:00Z') },
      error: 'connect ECONNREFUSED 127.0.0.1:8071',
    };
    expect(parseOnFailureMessage(JSON.stringify(onFailureMessage(facts)))).toMatchObject({
      processor: 'realtime',
      records: null,
      arrivals: null,
      tumblingWindow: facts.tumblingWindow,
      errorMessage: 'connect ECONNREFUSED 127.0.0.1:8071',
    });
  });

  it('names every field at fault, and a function that is neither processor', () => {
    const broken = {
      ...LAMBDA_DOCUMENT,
      KinesisBatchInfo: { ...LAMBDA_DOCUMENT.KinesisBatchInfo, startSequenceNumber: '49x', batchSize: -1 },
    };
    expect(() => parseOnFailureMessage(JSON.stringify(broken))).toThrow(
      'KinesisBatchInfo.startSequenceNumber must be a sequence number (decimal digits); KinesisBatchInfo.batchSize',
    );
    expect(() => parseOnFailureMessage('{')).toThrow(OnFailureMessageError);
    const other = {
      ...LAMBDA_DOCUMENT,
      requestContext: { ...LAMBDA_DOCUMENT.requestContext, functionArn: 'arn:aws:lambda:x:1:function:geotech-prod-poller' },
    };
    expect(() => parseOnFailureMessage(JSON.stringify(other))).toThrow('requestContext.functionArn names neither processor');
    expect([
      processorOf('geotech-dev-batch-processor'),
      processorOf('local-realtime-processor'),
      processorOf('geotech-dev-poller'),
    ]).toEqual(['batch', 'realtime', undefined]);
  });
});
