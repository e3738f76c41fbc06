import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake CloudFormation control plane for the alarms CLI's `--stage`: `DescribeStacks` over
 * the awsQuery protocol the SDK speaks (form-encoded POST, XML answer), from a map of stack
 * names to outputs. A stack it does not hold answers as CloudFormation does (400
 * ValidationError "Stack with id … does not exist"). Point the SDK at it with
 * AWS_ENDPOINT_URL_CLOUDFORMATION.
 */
export interface FakeCloudFormation {
  readonly url: string;
  /** The `StackName` of every DescribeStacks call, in order. */
  readonly described: readonly string[];
  close(): Promise<void>;
}

export async function startFakeCloudFormation(
  stacks: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Promise<FakeCloudFormation> {
  const described: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = form.get('Action');
      const xml = (status: number, body: string) => {
        response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fake-request' });
        response.end(body);
      };
      if (action !== 'DescribeStacks') {
        return xml(400, errorXml('InvalidAction', `the fake CloudFormation answers DescribeStacks only, not ${action ?? 'nothing'}`));
      }
      const name = form.get('StackName') ?? '';
      described.push(name);
      const outputs = stacks[name];
      if (!outputs) return xml(400, errorXml('ValidationError', `Stack with id ${name} does not exist`));
      const members = Object.entries(outputs)
        .map(([key, value]) => `<member><OutputKey>${escape(key)}</OutputKey><OutputValue>${escape(value)}</OutputValue></member>`)
        .join('');
      xml(
        200,
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
          `<StackName>${escape(name)}</StackName><StackId>arn:aws:cloudformation:ap-southeast-2:000000000000:stack/${escape(name)}/fake</StackId>` +
          `<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>` +
          `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    described,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escape(message)}</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
