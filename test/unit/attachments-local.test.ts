/** The local runtime's attachment folder (`.aviso/attachments`): exact bytes back, per-ticket removal, no path escapes. */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { attachmentFolder } from "../../infra/local/deps";
import { PNG } from "../support/attachment-mail";

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
let dir = "";
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the local attachment folder", () => {
  it("keeps a file by ticket and hash and gives back its exact bytes, name and type", async () => {
    dir = await mkdtemp(join(tmpdir(), "aviso-attachments-"));
    const folder = attachmentFolder(dir);
    const ref = await folder.put("T-1001", {
      name: "captura ñ.png",
      contentType: "image/png",
      sha256: sha(PNG),
      content: PNG,
    });
    expect(ref).toBe(`file://${join(dir, "T-1001", sha(PNG), "content")}`);
    const back = await folder.get("T-1001", sha(PNG));
    expect(back).toMatchObject({ name: "captura ñ.png", contentType: "image/png" });
    expect(back?.content.equals(PNG)).toBe(true);
    expect(await folder.get("T-1002", sha(PNG))).toBeUndefined();
  });

  it("removes one ticket's files and no other's", async () => {
    dir = await mkdtemp(join(tmpdir(), "aviso-attachments-"));
    const folder = attachmentFolder(dir);
    await folder.put("T-1001", { name: "a.png", contentType: "image/png", sha256: sha(PNG), content: PNG });
    await folder.put("T-10010", { name: "b.png", contentType: "image/png", sha256: sha(PNG), content: PNG });
    expect(await folder.removeTicket("T-1001")).toBe(1);
    expect(await readdir(dir)).toEqual(["T-10010"]);
  });

  it("refuses a ticket id or hash that would leave the folder", async () => {
    dir = await mkdtemp(join(tmpdir(), "aviso-attachments-"));
    const folder = attachmentFolder(dir);
    await expect(folder.get("../etc", sha(PNG))).rejects.toThrow(/not an attachment/);
    await expect(folder.get("T-1001", "../../passwd")).rejects.toThrow(/not an attachment/);
  });
});
