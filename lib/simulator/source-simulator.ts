import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PollSource } from '../ingestion/poll-source.js';
import { PipelineFunction } from '../constructs/pipeline-function.js';

export interface SourceSimulatorProps {
  readonly functionName: string;
  /** Seed of the simulated fleet, its series and its faults. @default 'geotech' */
  readonly seed?: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A simulated source API: the simulator function behind a function URL that only accepts
 * SigV4-signed requests (AWS_IAM auth), so nothing outside the account can call it.
 */
export class SourceSimulator extends Construct {
  readonly lambdaFunction: PipelineFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: SourceSimulatorProps) {
    super(scope, id);
    this.lambdaFunction = new PipelineFunction(this, 'Handler', {
      entry: 'lambdas/simulator/handler.ts',
      functionName: props.functionName,
      description: 'Simulated geotechnical source API behind an IAM-authorised function URL',
      timeout: Duration.seconds(15),
      memorySize: 256,
      logRetention: props.logRetention,
      environment: { SIMULATOR_SEED: props.seed ?? 'geotech' },
    });
    this.url = this.lambdaFunction.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
  }

  /** The simulator as the poller's source. */
  asPollSource(): PollSource {
    return PollSource.functionUrl(this.url, this.lambdaFunction.function);
  }
}
