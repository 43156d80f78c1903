/**
 * What publishing with a key signs and attests, as data: every digest apko publishes (the index and
 * each arch's manifest) gets a cosign signature; each arch's manifest gets its SBOMs, the index gets
 * the index SBOMs, and (on request) each gets a SLSA provenance. The same plan applies to every
 * repository the image is pushed to. Pure.
 */
import type { Digest } from '../../oci/index.js';
import { PredicateType } from '../../sign/index.js';
import type { ImageBuildResult, SbomFile, SbomFormat } from '../build/types.js';
import { type ImageBuildParameters, imageProvenancePredicate } from './provenance.js';

/** `index`, or the apk arch of a per-arch manifest. */
export type PublishSubject = string;

export interface PlannedSignature {
  readonly subject: PublishSubject;
  readonly digest: Digest;
}

export interface PlannedAttestation {
  readonly subject: PublishSubject;
  readonly digest: Digest;
  readonly predicateType: string;
  readonly predicate: unknown;
  /** The SBOM file the predicate is (`sbom-x86_64.spdx.json`); absent for provenance. */
  readonly sbom?: string;
}

export interface PublishPlan {
  readonly signatures: readonly PlannedSignature[];
  readonly attestations: readonly PlannedAttestation[];
}

/** Inputs for the provenance attestations. */
export interface PlanProvenance {
  readonly configName: string;
  readonly configFiles: readonly { readonly bytes: Uint8Array }[];
  readonly parameters: ImageBuildParameters;
  readonly startedOn: number;
  readonly finishedOn: number;
  readonly toolVersion?: string;
  /** Local repositories under it are recorded as `./relative`. */
  readonly workDir?: string;
}

const SBOM_PREDICATE: Readonly<Record<SbomFormat, string>> = {
  spdx: PredicateType.spdx,
  cyclonedx: PredicateType.cyclonedx,
};

function sbomAttestations(subject: string, digest: Digest, sboms: readonly SbomFile[]): PlannedAttestation[] {
  return sboms
    .filter((s) => s.subject === subject)
    .map((s) => ({
      subject,
      digest,
      predicateType: SBOM_PREDICATE[s.format],
      predicate: JSON.parse(s.bytes.toString('utf8')) as unknown,
      sbom: s.name,
    }));
}

/**
 * The plan for a build result: signatures for the index, then each arch; attestations index first,
 * then each arch in build order, SBOMs (in the order built) before provenance.
 */
export function planPublish(result: ImageBuildResult, provenance?: PlanProvenance): PublishPlan {
  const index = result.index.descriptor.digest;
  const subjects = [
    { subject: 'index', digest: index, packages: result.perArch.flatMap((p) => p.packages) },
    ...result.perArch.map((p) => ({
      subject: p.arch as string,
      digest: p.manifest.descriptor.digest,
      packages: p.packages,
    })),
  ];
  const attestations: PlannedAttestation[] = [];
  for (const s of subjects) {
    attestations.push(...sbomAttestations(s.subject, s.digest, result.sboms));
    if (provenance) {
      attestations.push({
        subject: s.subject,
        digest: s.digest,
        predicateType: PredicateType.slsaProvenanceV1,
        predicate: imageProvenancePredicate({
          ...provenance,
          packages: s.packages,
          sboms: result.sboms.filter((f) => f.subject === s.subject),
        }),
      });
    }
  }
  return { signatures: subjects.map(({ subject, digest }) => ({ subject, digest })), attestations };
}
