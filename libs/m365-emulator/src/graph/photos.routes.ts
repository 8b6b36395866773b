import { createHash } from 'node:crypto';
import type { EmulatorContext, RouteFamily } from '../emulator.context';
import { PHOTO_READ_PERMISSIONS } from './graph-permissions';
import { GraphError } from './graph.error';
import { MailboxAccess } from './outlook/mailbox.access';
import { requireParam, type EmulatorRequest } from '../http/emulator-request';
import {
  binaryResponse,
  emptyResponse,
  odataResponse,
  type EmulatorResponse,
} from '../http/emulator-response';
import { asOutlookRoutes } from '../http/route-definition';
import { generateFlatJpeg } from '../seed/jpeg.generator';
import type { DirectoryUser } from '../state/directory-user';
import type { UserPhoto } from '../state/user-photo';

/** HD sizes Microsoft 365 serves (docs/graph-notes.md §4). */
export const PHOTO_SIZES: readonly number[] = [48, 64, 96, 120, 240, 360, 432, 504, 648];

interface PhotoVariant {
  readonly id: string;
  readonly width: number;
  readonly height: number;
}

function imageNotFound(): GraphError {
  return new GraphError(
    404,
    'ImageNotFound',
    "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
  );
}

/** Sizes up to the stored one; the stored size itself is always listed. */
function variants(photo: UserPhoto): PhotoVariant[] {
  const width = photo.kind === 'seeded' ? photo.size : photo.width;
  const height = photo.kind === 'seeded' ? photo.size : photo.height;
  const result = PHOTO_SIZES.filter((size) => size <= Math.min(width, height)).map((size) => ({
    id: `${size}x${size}`,
    width: size,
    height: size,
  }));
  if (!result.some((variant) => variant.width === width && variant.height === height))
    result.push({ id: `${width}x${height}`, width, height });
  return result;
}

function largest(photo: UserPhoto): PhotoVariant {
  const all = variants(photo);
  const last = all[all.length - 1];
  if (!last) throw imageNotFound();
  return last;
}

function photoOf(user: DirectoryUser): UserPhoto {
  if (!user.photo) throw imageNotFound();
  return user.photo;
}

function variantOf(photo: UserPhoto, sizeId: string): PhotoVariant {
  const variant = variants(photo).find((candidate) => candidate.id.toLowerCase() === sizeId.toLowerCase());
  if (!variant) throw imageNotFound();
  return variant;
}

/** Seeded photos are rendered on demand; uploaded ones are returned as stored (no resampling). */
export function photoBytes(photo: UserPhoto, variant: PhotoVariant): Buffer {
  if (photo.kind === 'uploaded') return photo.bytes;
  const shade = 40 + ((photo.seedIndex * 37) % 180);
  const padding = photo.paddedToBytes ? { toBytes: photo.paddedToBytes, seed: photo.seedIndex } : undefined;
  return generateFlatJpeg(
    variant.width,
    variant.height,
    shade,
    `m365-emulator photo #${photo.seedIndex}`,
    padding,
  );
}

export function photoEtag(seedOrBytes: number | Buffer): string {
  const digest = createHash('sha1')
    .update(typeof seedOrBytes === 'number' ? `seeded-photo-${seedOrBytes}` : seedOrBytes)
    .digest('hex');
  return digest.slice(0, 8).toUpperCase();
}

function metadata(
  context: EmulatorContext,
  user: DirectoryUser,
  photo: UserPhoto,
  variant: PhotoVariant,
): Record<string, unknown> {
  return {
    '@odata.context': `${context.urls.graphBaseUrl}/$metadata#users('${user.id}')/photo/$entity`,
    '@odata.id': `${context.urls.graphBaseUrl}/users('${user.id}')/photo`,
    '@odata.mediaContentType': 'image/jpeg',
    '@odata.mediaEtag': `"${photo.etag}"`,
    id: variant.id,
    width: variant.width,
    height: variant.height,
  };
}

function value(request: EmulatorRequest, photo: UserPhoto, variant: PhotoVariant): EmulatorResponse {
  const etag = `"${photo.etag}"`;
  if (request.headers['if-none-match'] === etag) return emptyResponse(304, { etag });
  return binaryResponse(200, photoBytes(photo, variant), 'image/jpeg', { etag });
}

/** Photos come from the Outlook profile API and occupy the user's mailbox slot like other Outlook reads. */
export const photosRoutes: RouteFamily = (context) => {
  const access = new MailboxAccess(context);
  const withUser =
    (handler: (user: DirectoryUser, request: EmulatorRequest) => EmulatorResponse) =>
    (request: EmulatorRequest): Promise<EmulatorResponse> =>
      access.runProfile(request, PHOTO_READ_PERMISSIONS, (user) => handler(user, request));
  return asOutlookRoutes([
    {
      method: 'GET',
      path: '/v1.0/users/{id}/photo',
      kind: 'graph',
      handler: withUser((user) => {
        const photo = photoOf(user);
        return odataResponse(200, metadata(context, user, photo, largest(photo)));
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/photo/$value',
      kind: 'graph',
      handler: withUser((user, request) => {
        const photo = photoOf(user);
        return value(request, photo, largest(photo));
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/photos',
      kind: 'graph',
      handler: withUser((user) => {
        const photo = photoOf(user);
        return odataResponse(200, {
          '@odata.context': `${context.urls.graphBaseUrl}/$metadata#users('${user.id}')/photos`,
          value: variants(photo).map((variant) => {
            const { ['@odata.context']: _context, ...rest } = metadata(context, user, photo, variant);
            return rest;
          }),
        });
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/photos/{size}',
      kind: 'graph',
      handler: withUser((user, request) => {
        const photo = photoOf(user);
        return odataResponse(
          200,
          metadata(context, user, photo, variantOf(photo, requireParam(request, 'size'))),
        );
      }),
    },
    {
      method: 'GET',
      path: '/v1.0/users/{id}/photos/{size}/$value',
      kind: 'graph',
      handler: withUser((user, request) => {
        const photo = photoOf(user);
        return value(request, photo, variantOf(photo, requireParam(request, 'size')));
      }),
    },
  ]);
};
