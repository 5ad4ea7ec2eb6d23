/**
 * DOCX to blocks: mammoth turns the document's styles into semantic HTML (Heading 1 → <h1>, Word
 * lists and tables as such), which the HTML parser then reads like any page.
 */
import mammoth from 'mammoth';
import type { ParsedDocument } from '../contracts.ts';
import { IngestFileError } from './errors.ts';
import { parseHtml } from './html.ts';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** Compound File Binary: an encrypted OOXML package or a legacy .doc. */
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
// Word's own title styles carry the document title; map them to a heading so it is kept as such.
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p.Title => h1:fresh", "p[style-name='Subtitle'] => p:fresh"];

const startsWith = (data: Uint8Array, magic: number[]) => magic.every((byte, i) => data[i] === byte);

export async function parseDocx(file: string, data: Buffer): Promise<ParsedDocument> {
  if (startsWith(data, OLE_MAGIC)) {
    // an encrypted package names its EncryptionInfo stream (UTF-16) in the compound file directory
    if (data.includes(Buffer.from('EncryptionInfo', 'utf16le'))) {
      throw new IngestFileError(file, 'password_protected', 'password-protected DOCX: remove the password and ingest it again');
    }
    throw new IngestFileError(file, 'corrupt', 'not a DOCX: this is a legacy Word .doc file; save it as .docx');
  }
  if (!startsWith(data, ZIP_MAGIC)) throw new IngestFileError(file, 'corrupt', 'not a readable DOCX: not a ZIP package');
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: data }, { styleMap: STYLE_MAP })).value;
  } catch (err) {
    throw new IngestFileError(file, 'corrupt', `not a readable DOCX: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  const doc = parseHtml(html);
  // line numbers in mammoth's generated HTML mean nothing to the author of the .docx
  const blocks = doc.blocks.map(({ location: _, ...block }) => block);
  return { title: doc.title, blocks, metadata: {} };
}
