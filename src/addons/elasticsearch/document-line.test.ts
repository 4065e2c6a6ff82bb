import { describe, expect, it } from 'vitest';
import { parseDocumentLine } from './document-line.ts';

const doc = (s: string, sourceLast = true) => parseDocumentLine(Buffer.from(s), 'line 7', sourceLast);

describe('parseDocumentLine', () => {
  it('slices the source of a Stowage line without parsing it', () => {
    const d = doc(
      '{"_index":"shop","_type":"_doc","_id":"a,\\"_source\\":x","_routing":"r1","_source":{"n":9007199254740993,"f":1.10}}',
    );
    expect(d).toMatchObject({ index: 'shop', type: '_doc', id: 'a,"_source":x', routing: 'r1' });
    // byte for byte: the big integer and the float's text survive
    expect(d.source.toString()).toBe('{"n":9007199254740993,"f":1.10}');
  });

  it("reads elasticdump's lines (_score before _source) exactly too", () => {
    const d = doc(
      '{"_index":"shop-orders","_id":"weird/id é+?","_score":1,"_routing":"r1","_source":{"title":"x","n":9007199254740993}}',
    );
    expect(d).toMatchObject({ index: 'shop-orders', id: 'weird/id é+?', routing: 'r1', type: undefined });
    expect(d.source.toString()).toBe('{"title":"x","n":9007199254740993}');
  });

  it('finds _source in any key order and with spaces', () => {
    const d = doc(
      '{ "_source" : { "a" : "}{\\"" , "b":[1,{"c":2}] } , "_id" : 5, "_index":"i", "sort":[0] }',
    );
    expect(d.id).toBe('5');
    expect(d.source.toString()).toBe('{ "a" : "}{\\"" , "b":[1,{"c":2}] }');
  });

  it('keeps keys after _source out of the source for lines of other writers', () => {
    const d = doc('{"_index":"i","_id":"1","_source":{"a":1},"fields":{"_routing":"x"}}', false);
    expect(d.source.toString()).toBe('{"a":1}');
    expect(d.routing).toBe('x');
  });

  it('takes routing from old-style stored fields', () => {
    expect(doc('{"_index":"i","_id":"1","fields":{"_routing":"r"},"_source":{}}').routing).toBe('r');
  });

  it('says what is wrong with a line that is not a document', () => {
    expect(() => doc('{"_index":"i","_id":"1"}')).toThrow(
      /line 7 is not a document line: document "1" has no "_source" object/,
    );
    expect(() => doc('{"_id":"1","_source":{}}')).toThrow(/no "_index"/);
    expect(() => doc('{"_index":"i","_id":"1","_source":{"a":')).toThrow(/cut short/);
    expect(() => doc('[1]')).toThrow(/does not start with "\{"/);
    expect(() => doc('{"_index":"i","_id":"1","_source":{}} x')).toThrow(/unexpected text/);
  });
});
