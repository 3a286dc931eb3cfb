/**
 * Small generated receipt files: a greyscale PNG that looks like a till slip (bars for lines of text)
 * and a one-page PDF with the receipt's text. Built with Node's zlib only, so the sandbox needs no
 * image library; the same receipt always gives the same bytes.
 */
import { deflateSync } from "node:zlib";
import { mulberry32 } from "../rng";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An 8-bit greyscale PNG of `width` × `height`: a slip with a header, lines of "text" and a total. */
export function receiptPng(seed: number, width: number, height: number): Buffer {
  const rng = mulberry32(seed);
  const px = new Uint8Array(width * height).fill(250);
  const rect = (x0: number, y0: number, w: number, h: number, v: number) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++)
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) px[y * width + x] = v;
  };
  const unit = Math.max(1, Math.round(width / 48));
  rect(0, 0, width, unit, 190);
  rect(0, height - unit, width, unit, 190);
  rect(0, 0, unit, height, 190);
  rect(width - unit, 0, unit, height, 190);
  const margin = unit * 4;
  // Shop name, then item lines with a price on the right, then a bold total.
  rect(margin, unit * 5, Math.round((width - 2 * margin) * (0.4 + rng() * 0.3)), unit * 3, 40);
  let y = unit * 12;
  const lines = 4 + Math.floor(rng() * 6);
  for (let i = 0; i < lines && y < height - unit * 14; i++, y += unit * 3) {
    rect(margin, y, Math.round((width - 2 * margin) * (0.3 + rng() * 0.4)), unit * 2 - 1, 110);
    rect(width - margin - unit * 8, y, unit * 8, unit * 2 - 1, 110);
  }
  rect(margin, y + unit * 2, width - 2 * margin, Math.max(1, Math.round(unit / 2)), 150);
  rect(margin, y + unit * 4, unit * 10, unit * 3, 30);
  rect(width - margin - unit * 12, y + unit * 4, unit * 12, unit * 3, 30);

  const raw = Buffer.alloc((width + 1) * height);
  for (let row = 0; row < height; row++) {
    raw[row * (width + 1)] = 0; // filter: none
    raw.set(px.subarray(row * width, (row + 1) * width), row * (width + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const pdfText = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, "?");

/** A one-page PDF (A6) with the given lines in Helvetica. */
export function receiptPdf(lines: string[]): Buffer {
  const content = [
    "BT /F1 14 Tf 24 380 Td (Receipt) Tj ET",
    ...lines.map((l, i) => `BT /F1 10 Tf 24 ${350 - i * 16} Td (${pdfText(l)}) Tj ET`),
  ].join("\n");
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}
